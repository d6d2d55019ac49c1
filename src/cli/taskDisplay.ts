// How a watch shows a task as it moves: a progress bar on a terminal, one line per stage change
// when stdout is a pipe or a file, one JSON line per event with --json (nothing drawn).
import { SingleBar } from 'cli-progress';
import { EtaEstimator, formatSeconds } from './eta.js';
import { outcomeLines, stageLine } from './format.js';
import { printable } from './printable.js';
import type { TaskSnapshot } from './taskTypes.js';

export interface TaskDisplay {
  update(task: TaskSnapshot): void;
  /** The end of the watch: the bar is put away and a success summed up (failures go to stderr). */
  finish(task: TaskSnapshot | null): void;
}

export type Write = (text: string) => void;

class BarDisplay implements TaskDisplay {
  private readonly eta = new EtaEstimator();
  private readonly bar: SingleBar;
  private started = false;

  constructor(stream: NodeJS.WriteStream, private readonly write: Write) {
    this.bar = new SingleBar({
      stream,
      format: '{bar} {percentage}% | {stage} | ETA {timeLeft}',
      barsize: 30,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      // At most ten redraws a second, as often as the server sends progress.
      fps: 10,
    });
  }

  update(task: TaskSnapshot): void {
    const payload = { stage: printable(task.attempts > 1 ? `${task.stage} (attempt ${task.attempts})` : task.stage), timeLeft: formatSeconds(this.eta.secondsLeft(task.progress, task.attempts)) };
    const value = Math.round(task.progress * 100);
    if (!this.started) {
      this.bar.start(100, value, payload);
      this.started = true;
    } else {
      this.bar.update(value, payload);
    }
  }

  finish(task: TaskSnapshot | null): void {
    if (this.started) this.bar.stop();
    if (task?.status === 'SUCCEEDED') for (const line of outcomeLines(task)) this.write(`${line}\n`);
  }
}

class LineDisplay implements TaskDisplay {
  private lastStage = '';

  constructor(private readonly write: Write) {}

  update(task: TaskSnapshot): void {
    // A line per stage (and per attempt), not per progress tick: a log stays readable.
    const key = `${task.status}/${task.stage}/${task.attempts}`;
    if (key === this.lastStage) return;
    this.lastStage = key;
    this.write(`${stageLine(task)}\n`);
  }

  finish(task: TaskSnapshot | null): void {
    if (task?.status === 'SUCCEEDED') for (const line of outcomeLines(task)) this.write(`${line}\n`);
  }
}

class JsonLinesDisplay implements TaskDisplay {
  constructor(private readonly write: Write) {}

  update(task: TaskSnapshot): void {
    this.write(`${JSON.stringify(task)}\n`);
  }

  finish(): void {
    // the last event already says how it ended
  }
}

export function chooseDisplay(options: { json: boolean; stdout: NodeJS.WriteStream }): TaskDisplay {
  const write: Write = (text) => void options.stdout.write(text);
  if (options.json) return new JsonLinesDisplay(write);
  return options.stdout.isTTY ? new BarDisplay(options.stdout, write) : new LineDisplay(write);
}
