/**
 * `adept export <checkpoint> --format onnx|json --out <file>`: a trained policy for use outside
 * adept (docs/export.md). Both formats hold the whole deterministic policy: observation
 * normalization, the actor, the tanh squashing and the map back onto the data's action units.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Command, Option } from "commander";
import { packageVersion } from "../util/code-version.js";
import { CliError } from "./errors.js";

export function register(program: Command): void {
  program
    .command("export")
    .description("Export a trained policy as ONNX (onnxruntime anywhere) or dependency-free JSON + a plain-JS forward (see docs/export.md)")
    .argument("<checkpoint>", "an agent checkpoint (.safetensors, as adept train writes: latest.safetensors, best.safetensors)")
    .addOption(
      new Option("--format <format>", "onnx: one ONNX graph; json: weights as JSON, and <out>.mjs with the forward")
        .choices(["onnx", "json"])
        .default("onnx"),
    )
    .requiredOption("--out <file>", "the file to write (policy.onnx, policy.json)")
    .option("--force", "overwrite an existing file")
    .action(async (checkpoint: string, opts: { format: "onnx" | "json"; out: string; force?: boolean }) => {
      if (!existsSync(checkpoint)) throw new CliError(`${checkpoint}: no such checkpoint`);
      if (existsSync(opts.out) && !opts.force) throw new CliError(`${opts.out} already exists (use --force to overwrite)`);
      const { loadAgentCheckpoint } = await import("../agents/checkpoint.js");
      const { agent, info } = loadAgentCheckpoint(checkpoint);
      const { policySpec } = await import("../export/policy.js");
      const spec = policySpec(agent, info.stats);
      mkdirSync(dirname(opts.out), { recursive: true });
      const version = packageVersion();
      if (opts.format === "onnx") {
        const { policyToOnnx } = await import("../export/onnx.js");
        writeFileSync(opts.out, policyToOnnx(spec, version));
        process.stdout.write(
          `${opts.out}: ONNX, input "observation" [batch, ${spec.observationDim}], output "action" [batch, ${spec.actionDim}]\n`,
        );
      } else {
        const { policyToJson, POLICY_FORWARD_SOURCE } = await import("../export/json.js");
        writeFileSync(opts.out, `${JSON.stringify(policyToJson(spec))}\n`);
        const forward = join(dirname(opts.out), `${opts.out.replace(/^.*[\\/]/, "").replace(/\.json$/, "")}.mjs`);
        writeFileSync(forward, POLICY_FORWARD_SOURCE);
        process.stdout.write(`${opts.out}: weights (JSON); ${forward}: act(policy, observations, n)\n`);
      }
    });
}
