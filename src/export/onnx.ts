/**
 * A policy as an ONNX model (opset 13), built as ONNX's own protobuf messages (onnx-proto:
 * ONNX's onnx.proto compiled with protobufjs) and serialized by them:
 *
 *   observation [batch, S] → Sub mean → Div std → (Gemm → Relu)* → Gemm → Slice [:, :A]
 *     → Tanh → Mul (high − low)/2 → Add (high + low)/2 → action [batch, A]
 *
 * The batch dimension is dynamic (`batch`); weights are initializers named after the layers.
 */
import onnxProto from "onnx-proto";
import type { PolicySpec } from "./policy.js";

const { onnx } = onnxProto;

/** The opset the graph uses (every operator here is unchanged since 13). */
export const ONNX_OPSET = 13;

type Tensor = InstanceType<typeof onnx.TensorProto>;

function floats(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values) });
}

function int64s(name: string, values: number[]): Tensor {
  return onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
}

function valueInfo(name: string, width: number) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: "batch" }, { dimValue: width }] },
      },
    },
  });
}

/** The ONNX model of `spec`, serialized; input `observation` [batch, S], output `action` [batch, A]. */
export function policyToOnnx(spec: PolicySpec, producerVersion: string): Uint8Array {
  const S = spec.observationDim,
    A = spec.actionDim;
  const initializer: Tensor[] = [
    floats("observation_mean", [S], spec.observationMean),
    floats("observation_std", [S], spec.observationStd),
  ];
  const node = [
    onnx.NodeProto.create({ opType: "Sub", input: ["observation", "observation_mean"], output: ["centred"], name: "normalize_sub" }),
    onnx.NodeProto.create({ opType: "Div", input: ["centred", "observation_std"], output: ["h0"], name: "normalize_div" }),
  ];
  let h = "h0";
  for (const [i, layer] of spec.layers.entries()) {
    const last = i === spec.layers.length - 1;
    initializer.push(
      floats(`actor.${i}.weight`, [layer.inDim, layer.outDim], layer.weight),
      floats(`actor.${i}.bias`, [layer.outDim], layer.bias),
    );
    const out = last ? "head" : `h${i + 1}_linear`;
    node.push(
      onnx.NodeProto.create({ opType: "Gemm", input: [h, `actor.${i}.weight`, `actor.${i}.bias`], output: [out], name: `actor.${i}` }),
    );
    if (!last) {
      node.push(onnx.NodeProto.create({ opType: "Relu", input: [out], output: [`h${i + 1}`], name: `actor.${i}.relu` }));
      h = `h${i + 1}`;
    }
  }
  // The mean: the head's first A columns (a tanh-Gaussian head also outputs log σ).
  initializer.push(int64s("slice_starts", [0]), int64s("slice_ends", [A]), int64s("slice_axes", [1]));
  const scale = Float32Array.from(spec.actionHigh, (hi, j) => (hi - spec.actionLow[j]!) / 2);
  const offset = Float32Array.from(spec.actionHigh, (hi, j) => (hi + spec.actionLow[j]!) / 2);
  initializer.push(floats("action_scale", [A], scale), floats("action_offset", [A], offset));
  node.push(
    onnx.NodeProto.create({ opType: "Slice", input: ["head", "slice_starts", "slice_ends", "slice_axes"], output: ["mean"], name: "mean" }),
    onnx.NodeProto.create({ opType: "Tanh", input: ["mean"], output: ["squashed"], name: "squash" }),
    onnx.NodeProto.create({ opType: "Mul", input: ["squashed", "action_scale"], output: ["scaled"], name: "scale" }),
    onnx.NodeProto.create({ opType: "Add", input: ["scaled", "action_offset"], output: ["action"], name: "offset" }),
  );
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    producerName: "adept-rl",
    producerVersion,
    docString: `${spec.algo} policy: raw observations in, actions in the environment's bounds out (deterministic)`,
    graph: {
      name: `${spec.algo}_policy`,
      node,
      initializer,
      input: [valueInfo("observation", S)],
      output: [valueInfo("action", A)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Decodes an ONNX model (for inspection and tests). */
export function readOnnx(bytes: Uint8Array): InstanceType<typeof onnx.ModelProto> {
  return onnx.ModelProto.decode(bytes);
}
