#!/usr/bin/env node
// The `adept` command. Each command group lives in its own module and registers itself
// on the program. This is the one place that decides how an error reaches the user: a
// UserError (bad input: src/util/errors.ts) is one line and exit status 1; anything else is
// a bug in adept, shown with its stack, exit status 70 (EX_SOFTWARE, sysexits.h). A usage
// error caught by commander (unknown option, missing value) is its one line and a pointer to
// the command's --help, not the whole help, which would bury the line.
import { Command } from "commander";
import { packageVersion } from "../util/code-version.js";
import { UserError } from "../util/errors.js";

/** Every command below `command` gets the hint `see adept <its path> --help` after a usage error. */
function hintAfterErrors(command: Command, path: string[]): void {
  command.showHelpAfterError(`see \`${["adept", ...path].join(" ")} --help\``);
  for (const sub of command.commands) hintAfterErrors(sub, [...path, sub.name()]);
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name("adept")
    .description("Offline RL with an adaptive diffusion world model (ADEPT)")
    .version(packageVersion(), "-V, --version", "print the version of adept")
    .configureOutput({ outputError: (text, write) => write(`adept: ${text.replace(/^error: /, "")}`) });
  const groups = await Promise.all([
    import("./env.js"),
    import("./data.js"),
    import("./train.js"),
    import("./wm.js"),
    import("./sweep.js"),
    import("./worker.js"),
    import("./report.js"),
    import("./ope.js"),
    import("./quickstart.js"),
    import("./export.js"),
    import("./view.js"),
    import("./doctor.js"),
  ]);
  for (const group of groups) group.register(program);
  hintAfterErrors(program, []);
  await program.parseAsync(argv);
}

main(process.argv).catch((error: unknown) => {
  if (error instanceof UserError) {
    process.stderr.write(`adept: ${error.message}\n`);
    process.exit(1);
  }
  const trace = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  process.stderr.write(`adept: internal error (a bug in adept, not in your input; please report it with this trace)\n${trace}\n`);
  process.exit(70);
});
