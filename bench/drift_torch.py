"""PyTorch side of bench/drift.ts: the IQL update of ../shared/bench/torch_ref.py from the
weights and batch in <state.json>, in float32 or float64; writes the learned parameters
(q1, q2, v, pi, log_std; adept's layout: weights [in, out]) after each of the update counts
in state.json's "updates" to <out.json>, as {count: [values]}.

  /usr/bin/python3 bench/drift_torch.py state.json float64 out.json
"""
import json, sys
import torch, torch.nn as nn, torch.nn.functional as F

state = json.load(open(sys.argv[1]))
dtype = {"float32": torch.float32, "float64": torch.float64}[sys.argv[2]]
torch.set_num_threads(1)
S, A, B, N = state["S"], state["A"], state["B"], state["updates"]
t = lambda x, *shape: torch.tensor(x, dtype=dtype).reshape(*shape)

def mlp(layers):
    mods = []
    for i, (w, b, fan_in, fan_out) in enumerate(layers):
        lin = nn.Linear(fan_in, fan_out).to(dtype)
        with torch.no_grad():
            lin.weight.copy_(t(w, fan_in, fan_out).T)
            lin.bias.copy_(t(b, fan_out))
        mods.append(lin)
        if i < len(layers) - 1: mods.append(nn.ReLU())
    return nn.Sequential(*mods)

m = {k: mlp(v) for k, v in state["modules"].items()}
q1, q2, v, pi, tq1, tq2 = (m[k] for k in ["q1", "q2", "v", "pi", "tq1", "tq2"])
log_std = nn.Parameter(t(state["log_std"], A))
s, a, r, s2 = t(state["s"], B, S), t(state["a"], B, A), t(state["r"], B, 1), t(state["s2"], B, S)
d = torch.zeros(B, 1, dtype=dtype)
oq = torch.optim.Adam(list(q1.parameters()) + list(q2.parameters()), 3e-4)
ov, op = torch.optim.Adam(v.parameters(), 3e-4), torch.optim.Adam(list(pi.parameters()) + [log_std], 3e-4)

def iql():  # torch_ref.py's iql()
    sa = torch.cat([s, a], 1)
    with torch.no_grad(): tq = torch.min(tq1(sa), tq2(sa))
    adv = tq - v(s); w = torch.abs(0.7 - (adv < 0).to(dtype))
    lv = (w * adv ** 2).mean(); ov.zero_grad(); lv.backward(); ov.step()
    with torch.no_grad(): target = r + 0.99 * (1 - d) * v(s2)
    lq = F.mse_loss(q1(sa), target) + F.mse_loss(q2(sa), target); oq.zero_grad(); lq.backward(); oq.step()
    with torch.no_grad():
        for p, tp in zip(list(q1.parameters()) + list(q2.parameters()), list(tq1.parameters()) + list(tq2.parameters())):
            tp.mul_(0.995).add_(0.005 * p)
    ew = torch.exp(3.0 * adv.detach()).clamp(max=100.0)
    dist = torch.distributions.Normal(torch.tanh(pi(s)), log_std.exp())
    lp = -(ew * dist.log_prob(a).sum(-1, keepdim=True)).mean(); op.zero_grad(); lp.backward(); op.step()

def learned():
    out = []
    for net in [q1, q2, v, pi]:
        for lin in net:
            if isinstance(lin, nn.Linear):
                out += lin.weight.detach().T.reshape(-1).tolist() + lin.bias.detach().reshape(-1).tolist()
    return out + log_std.detach().tolist()

snapshots = {}
for i in range(1, max(N) + 1):
    iql()
    if i in N: snapshots[str(i)] = learned()
json.dump(snapshots, open(sys.argv[3], "w"))
