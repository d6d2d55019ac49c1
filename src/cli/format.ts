// Human-readable text for tasks, videos and lists.
import type { RestTask, TaskSnapshot } from './taskTypes.js';
import { videoIdOf } from './taskTypes.js';
import { printable } from './printable.js';

export function percent(progress: number): string {
  return `${Math.round(progress * 100)}%`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The closing lines of a watch: what became of the task. */
export function outcomeLines(task: TaskSnapshot): string[] {
  return rawOutcomeLines(task).map(printable);
}

function rawOutcomeLines(task: TaskSnapshot): string[] {
  const attempts = `${task.attempts} attempt${task.attempts === 1 ? '' : 's'}`;
  if (task.status === 'SUCCEEDED') {
    const lines = [`task ${task.id} SUCCEEDED after ${attempts}`];
    const { video } = task;
    if (video) lines.push(`video ${video.id} "${video.title}" ${video.width}x${video.height} ${video.durationSeconds}s ${formatBytes(video.sizeBytes)}`);
    return lines;
  }
  if (task.status === 'FAILED') {
    const error = task.error ? `${task.error.code}: ${task.error.message}` : 'no error given';
    return [`task ${task.id} FAILED after ${attempts}: ${error}`];
  }
  return [`task ${task.id} ${task.status}`];
}

/** One line per stage change when no bar is drawn. */
export function stageLine(task: TaskSnapshot): string {
  const attempt = task.attempts > 1 ? ` (attempt ${task.attempts})` : '';
  return printable(`${task.status.toLowerCase().padEnd(9)} ${task.stage.padEnd(11)} ${percent(task.progress).padStart(4)}${attempt}`);
}

export function describeCreated(task: RestTask): string {
  return printable(`created task ${task.id} (${task.stage}); follow it with: longrun watch ${task.id}`);
}

export function describeCancelled(task: RestTask): string {
  return printable(task.status === 'cancelled'
    ? `task ${task.id} cancelled`
    : `task ${task.id}: cancel requested, still ${task.stage} (the server stops it shortly)`);
}

/** The list as an aligned table, newest first as the server gives it. */
export function taskTable(tasks: RestTask[]): string[] {
  const rows = tasks.map((task) => [
    task.id,
    task.kind,
    task.status,
    task.stage,
    percent(task.progress),
    task.createdAt,
    task.error ? task.error.code : (videoIdOf(task) ?? ''),
  ].map(printable));
  const header = ['ID', 'KIND', 'STATUS', 'STAGE', 'PROGRESS', 'CREATED', 'VIDEO / ERROR'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}
