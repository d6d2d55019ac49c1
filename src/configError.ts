/** A setting that cannot be used; the message names the variable. main.ts prints it and exits. */
export class ConfigError extends Error {}
