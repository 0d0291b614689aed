/**
 * `adept view <checkpoint|run-dir|random>`: watch a policy act, in a browser (docs/viewer.md).
 * A local web server serves a page that runs MuJoCo and the policy itself; this process only
 * serves files, and stops on Ctrl-C (SIGINT) or SIGTERM.
 */
import type { Command } from "commander";
import { CliError, parseInteger } from "./errors.js";

export function register(program: Command): void {
  program
    .command("view")
    .description("Watch a policy act in the simulator, in your browser (a local web page; see docs/viewer.md)")
    .argument(
      "<policy>",
      "an agent checkpoint (.safetensors), a run directory of adept train (plays best.safetensors, else latest.safetensors), or random",
    )
    .option("--env <name>", "environment: a task, D4RL id or Gym id (default: the checkpoint's own task; needed for random)")
    .option("--port <n>", "port to listen on (0: any free port)", "0")
    .option("--host <address>", "address to bind; anything but loopback lets other machines connect", "127.0.0.1")
    .action(async (what: string, opts: { env?: string; port: string; host: string }) => {
      const port = parseInteger("--port", opts.port, 0);
      if (port > 65535) throw new CliError(`--port must be ≤ 65535, got "${opts.port}"`);
      const { resolveTarget } = await import("../view/target.js");
      const { isLoopback, startViewer } = await import("../view/server.js");
      const target = resolveTarget(what, opts.env);
      if (!isLoopback(opts.host))
        process.stderr.write(
          `adept: warning: --host ${opts.host} is not loopback: anyone who can reach it can load the page and the policy\n`,
        );
      let viewer: Awaited<ReturnType<typeof startViewer>>;
      try {
        viewer = await startViewer({ target, host: opts.host, port });
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        if (e.code === "EADDRINUSE" || e.code === "EACCES" || e.code === "EADDRNOTAVAIL")
          throw new CliError(`cannot listen on ${opts.host}:${port} (${e.code})`);
        throw error;
      }
      process.stdout.write(`adept view: ${target.label} on ${target.task}\n${viewer.url}\n(Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          process.stderr.write(`adept view: ${signal}, stopping\n`);
          viewer.close().then(resolve, resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
