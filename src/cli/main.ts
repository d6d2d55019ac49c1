// `longrun`: parses the command line, runs the command, and exits with its code. Errors the CLI
// expects (a refused request, an unreachable server) are printed as one readable message, never
// as a stack trace.
import { CommanderError } from 'commander';
import { CliError, ExitCode, type ExitCodeValue } from './exitCodes.js';
import { printable } from './printable.js';
import { buildProgram } from './program.js';

function report(error: unknown): ExitCodeValue {
  if (error instanceof CliError) {
    process.stderr.write(`longrun: ${printable(error.message)}\n`);
    for (const line of error.details) process.stderr.write(`  ${printable(line)}\n`);
    return error.exitCode;
  }
  // commander has printed its message already; --help and --version are not errors.
  if (error instanceof CommanderError) {
    return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code) && error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  process.stderr.write(`longrun: unexpected error: ${printable(error instanceof Error ? error.message : String(error))}\n`);
  return ExitCode.failed;
}

/**
 * A reader that stops early (`longrun watch … --json | head -1`) closes the pipe, and the next
 * write fails with EPIPE, an 'error' event that would otherwise end the process with a stack
 * trace. Stop quietly instead; the code is not 0, since what was asked (a watch to its end) did
 * not happen here. The task itself goes on.
 */
function stopWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(ExitCode.outputClosed);
  });
}

export async function main(argv: string[]): Promise<ExitCodeValue> {
  stopWhenStdoutCloses();
  let exitCode: ExitCodeValue = ExitCode.ok;
  const program = buildProgram({ stdout: process.stdout, stderr: process.stderr }, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    return report(error);
  }
  return exitCode;
}

process.exitCode = await main(process.argv);
