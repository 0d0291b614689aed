#!/usr/bin/env node
// The `adept` command. Each command group lives in its own module and registers itself
// on the program; errors of type CliError become a one-line message and exit code 1.
import { Command } from "commander";
import { CliError } from "./errors.js";

async function main(argv: string[]): Promise<void> {
  const program = new Command().name("adept").description("Offline RL with an adaptive diffusion world model (ADEPT)").showHelpAfterError();
  const groups = await Promise.all([
    import("./env.js"),
    import("./data.js"),
    import("./train.js"),
    import("./wm.js"),
    import("./sweep.js"),
    import("./report.js"),
    import("./quickstart.js"),
    import("./doctor.js"),
  ]);
  for (const group of groups) group.register(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((error: unknown) => {
  if (error instanceof CliError) {
    process.stderr.write(`adept: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
});
