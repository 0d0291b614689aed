// deploy/kubernetes: every manifest parses as YAML (the `yaml` package, strict), and the pieces
// the docs promise are there: a Redis Deployment with AOF on a volume and a Service, and a
// worker Deployment running `adept worker` with its --runs-dir on a shared (ReadWriteMany) volume.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON trees
type Manifest = any;

const folder = join(repoRoot(), "deploy", "kubernetes");

function manifests(): Manifest[] {
  const all: Manifest[] = [];
  for (const file of readdirSync(folder).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(readFileSync(join(folder, file), "utf8"), { strict: true, uniqueKeys: true })) {
      assert.deepEqual(
        doc.errors.map((e) => e.message),
        [],
        `${file}: YAML errors`,
      );
      const value = doc.toJS() as Manifest;
      assert.ok(typeof value?.apiVersion === "string" && typeof value?.kind === "string", `${file}: a document without apiVersion/kind`);
      assert.ok(typeof value.metadata?.name === "string", `${file}: ${value.kind} without metadata.name`);
      all.push(value);
    }
  }
  return all;
}

describe("deploy/kubernetes", () => {
  it("parses, and holds a Redis with AOF and a worker Deployment on a shared volume", () => {
    const all = manifests();
    const find = (kind: string, name: string): Manifest => {
      const m = all.find((x) => x.kind === kind && x.metadata.name === name);
      assert.ok(m, `no ${kind} ${name}`);
      return m;
    };
    const redis = find("Deployment", "adept-redis").spec.template.spec;
    assert.ok(redis.containers[0].args.join(" ").includes("--appendonly yes"));
    const redisVolume = redis.volumes[0].persistentVolumeClaim.claimName;
    find("PersistentVolumeClaim", redisVolume);
    const service = find("Service", "adept-redis");
    assert.equal(service.spec.ports[0].port, 6379);

    const worker = find("Deployment", "adept-worker").spec.template.spec;
    const container = worker.containers[0];
    assert.deepEqual([...container.command, container.args[0]], ["adept", "worker"]);
    const runsDir = container.args[container.args.indexOf("--runs-dir") + 1];
    const mount = container.volumeMounts.find((m: Manifest) => runsDir.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `--runs-dir ${runsDir} is on a mounted volume`);
    const claim = worker.volumes.find((v: Manifest) => v.name === mount.name).persistentVolumeClaim.claimName;
    assert.deepEqual(find("PersistentVolumeClaim", claim).spec.accessModes, ["ReadWriteMany"]);
    const queue = container.env.find((e: Manifest) => e.name === "ADEPT_QUEUE").value;
    assert.match(queue, /^redis:\/\/:\$\(REDIS_PASSWORD\)@adept-redis:6379/);
  });
});
