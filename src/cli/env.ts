import type { Command } from "commander";

/** Registers the `adept env` commands (not yet built). */
export function register(_program: Command): void {}
