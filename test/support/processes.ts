import fs from 'node:fs';

export interface ProcessInfo {
  pid: number;
  /** The parent's pid (field 4 of /proc/PID/stat). */
  parent: number;
  commandLine: string;
}

/** Live processes whose command line contains every one of `parts` (Linux /proc). */
export function listProcesses(...parts: string[]): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      if (fields[0] !== 'Z' && parts.every((part) => commandLine.includes(part))) found.push({ pid: Number(entry), parent: Number(fields[1]), commandLine });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Pids of live processes whose command line contains every one of `parts` (Linux /proc). */
export function findProcesses(...parts: string[]): number[] {
  return listProcesses(...parts).map((info) => info.pid);
}

/** Pids of live processes in process group `pgid` (field 5 of /proc/PID/stat). */
export function processGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
