/**
 * A dataset's content fingerprint: SHA-256 over its shape and every column a model trains
 * on (s, a, r, s′, terminals, timeouts, and which s′ are unknown), so that a saved world
 * model can say which data it was trained on and a run can refuse a model trained on other
 * data. Renaming or moving the file keeps the fingerprint; changing one value changes it.
 */
import { createHash } from "node:crypto";
import type { Dataset } from "./dataset.js";

/** The fingerprint's version: bump when what it covers changes (old and new never compare equal). */
const FINGERPRINT_VERSION = "v1";

/** `sha256-v1:<hex>` of the dataset's contents (see the module comment). */
export function datasetFingerprint(dataset: Dataset): string {
  const hash = createHash("sha256");
  hash.update(`adept-dataset-${FINGERPRINT_VERSION} ${dataset.size} ${dataset.observationDim} ${dataset.actionDim}\n`);
  const columns: ArrayBufferView[] = [
    dataset.observations,
    dataset.actions,
    dataset.rewards,
    dataset.nextObservations,
    dataset.terminals,
    dataset.timeouts,
  ];
  if (dataset.nextObservationMissing) columns.push(dataset.nextObservationMissing);
  for (const c of columns) hash.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  return `sha256-${FINGERPRINT_VERSION}:${hash.digest("hex")}`;
}
