"""Reference trajectories for Tests/TrainTests/OptimizerReferenceTests.swift.

Writes Tests/TrainTests/OptimizerReferences.swift. Run once, with PyTorch for the
PyTorch conventions and TensorFlow's tf.compat.v1 (TF1 graph mode) for the TF1 ones:

    python3 -m venv /work/venvs/ref
    /work/venvs/ref/bin/pip install torch numpy          # CPU wheel
    python3 -m venv /work/venvs/tf1
    /work/venvs/tf1/bin/pip install tensorflow-cpu
    /work/venvs/ref/bin/python Tests/TrainTests/Optimizers/References/optimizers.py torch > /tmp/torch.json
    /work/venvs/tf1/bin/python Tests/TrainTests/Optimizers/References/optimizers.py tf1 > /tmp/tf1.json
    python3 Tests/TrainTests/Optimizers/References/optimizers.py swift /tmp/torch.json /tmp/tf1.json \
        > Tests/TrainTests/OptimizerReferences.swift
    swift format --in-place Tests/TrainTests/OptimizerReferences.swift

The model is one tower shared by three inputs (a triplet network): y_i = x_i W + b,
loss = sum_i sum(c_i * y_i + y_i^2 / 2), with W [3, 2] and b [2] used by all three towers,
in float64. (Polynomial on purpose: TensorFlow's float64 tanh is an approximation good to
about 1e-8, which would hide the optimizers' own rounding.)
Each run takes STEPS steps from the same start and records W and b after every step, and
the kernel's slots after the last step.
"""
import json
import sys

W0 = [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]]
B0 = [0.05, -0.1]
X = [
    [[1.0, -0.5, 0.25], [0.3, 0.9, -1.2]],
    [[-0.7, 0.4, 1.1], [0.6, -0.2, 0.05]],
    [[0.2, 0.2, -0.9], [-1.3, 0.75, 0.4]],
]
C = [
    [[1.0, -2.0], [0.5, 1.5]],
    [[-1.0, 0.25], [2.0, -0.5]],
    [[0.75, 1.0], [-1.5, 0.3]],
]
STEPS = 5


def step_schedule(t):
    """LearningRateSchedule.step(initial: 0.02, factor: 0.5, every: 2)."""
    return 0.02 * 0.5 ** (t // 2)


# name: (optimizer, options, learning rate (float or "step"), clip norm, slot names of the kernel)
TORCH_RUNS = {
    "sgd_nesterov_decay": ("SGD", dict(momentum=0.9, nesterov=True, weight_decay=0.01), 0.1, None,
                           {"Momentum": "momentum_buffer"}),
    "adam": ("Adam", dict(), 0.05, None, {"Adam": "exp_avg", "Adam_1": "exp_avg_sq"}),
    "adam_large_epsilon": ("Adam", dict(eps=0.1), 0.05, None, {"Adam": "exp_avg", "Adam_1": "exp_avg_sq"}),
    "adam_l2_clipped": ("Adam", dict(weight_decay=0.1, betas=(0.8, 0.99)), 0.05, 1.0,
                        {"Adam": "exp_avg", "Adam_1": "exp_avg_sq"}),
    "adamw": ("AdamW", dict(weight_decay=0.1, eps=0.1), 0.05, None, {"AdamW": "exp_avg", "AdamW_1": "exp_avg_sq"}),
    "rmsprop": ("RMSprop", dict(), 0.01, None, {"RMSProp": "square_avg"}),
    "rmsprop_centered_momentum_schedule": ("RMSprop", dict(alpha=0.9, momentum=0.9, centered=True, eps=1e-3),
                                           "step", None,
                                           {"RMSProp": "square_avg", "RMSProp_1": "grad_avg",
                                            "RMSProp_2": "momentum_buffer"}),
    "rmsprop_momentum_decay": ("RMSprop", dict(momentum=0.5, weight_decay=0.05), 0.01, None,
                               {"RMSProp": "square_avg", "RMSProp_1": "momentum_buffer"}),
    "adagrad": ("Adagrad", dict(), 0.1, None, {"Adagrad": "sum"}),
    "adagrad_decay": ("Adagrad", dict(weight_decay=0.1, initial_accumulator_value=0.5), 0.1, None,
                      {"Adagrad": "sum"}),
}

# name: (optimizer, options, learning rate (float or "step"), slot names of the kernel)
TF1_RUNS = {
    "tf1_momentum_nesterov": ("MomentumOptimizer", dict(momentum=0.9, use_nesterov=True), 0.1, ["Momentum"]),
    "tf1_adam": ("AdamOptimizer", dict(), 0.05, ["Adam", "Adam_1"]),
    "tf1_adam_large_epsilon": ("AdamOptimizer", dict(epsilon=0.1), 0.05, ["Adam", "Adam_1"]),
    "tf1_rmsprop": ("RMSPropOptimizer", dict(decay=0.9, epsilon=1e-10), 0.01, ["RMSProp", "RMSProp_1"]),
    "tf1_rmsprop_centered_momentum_schedule": ("RMSPropOptimizer",
                                               dict(decay=0.9, momentum=0.9, epsilon=1e-3, centered=True), "step",
                                               ["RMSProp", "RMSProp_1", "RMSProp_2"]),
    "tf1_adagrad": ("AdagradOptimizer", dict(initial_accumulator_value=0.1), 0.1, ["Adagrad"]),
}


def flat(rows):
    return [v for row in rows for v in row]


def run_torch():
    import torch

    torch.set_default_dtype(torch.float64)
    out = {"versions": {"torch": torch.__version__}, "runs": {}}
    xs = [torch.tensor(x) for x in X]
    cs = [torch.tensor(c) for c in C]
    for name, (kind, options, lr, clip, slot_keys) in TORCH_RUNS.items():
        W = torch.tensor(W0, requires_grad=True)
        b = torch.tensor(B0, requires_grad=True)
        first_lr = step_schedule(0) if lr == "step" else lr
        opt = getattr(torch.optim, kind)([W, b], lr=first_lr, **options)
        trajectory = []
        for t in range(STEPS):
            opt.zero_grad()
            loss = sum((c * (x @ W + b) + 0.5 * (x @ W + b) ** 2).sum() for x, c in zip(xs, cs))
            loss.backward()
            if clip is not None:
                # TF's clip_by_global_norm (torch.nn.utils.clip_grad_norm_ divides by norm + 1e-6).
                with torch.no_grad():
                    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in (W, b)))
                    if norm > clip:
                        for p in (W, b):
                            p.grad.mul_(clip / norm)
            if lr == "step":
                for group in opt.param_groups:
                    group["lr"] = step_schedule(t)
            opt.step()
            trajectory.append(flat(W.tolist()) + b.tolist())
        slots = {slot: opt.state[W][key].flatten().tolist() for slot, key in slot_keys.items()}
        out["runs"][name] = {"trajectory": trajectory, "slots": slots}
    return out


def run_tf1():
    import numpy as np
    import tensorflow as tf

    v1 = tf.compat.v1
    v1.disable_eager_execution()
    out = {"versions": {"tensorflow": tf.__version__}, "runs": {}, "names": {}}
    for name, (kind, options, lr, slot_names) in TF1_RUNS.items():
        graph = tf.Graph()
        with graph.as_default():
            with v1.variable_scope("tower"):
                with v1.variable_scope("dense"):
                    W = v1.get_variable("kernel", initializer=np.array(W0, dtype=np.float64))
                    b = v1.get_variable("bias", initializer=np.array(B0, dtype=np.float64))
            rate = v1.placeholder(tf.float64, [])
            ys = [tf.matmul(np.array(x), W) + b for x in X]
            loss = tf.add_n([tf.reduce_sum(np.array(c) * y + 0.5 * tf.square(y)) for y, c in zip(ys, C)])
            # TF1 turns Python-float hyperparameters into float32 tensors before casting
            # them to the variable's dtype (0.9 becomes 0.89999997615814); float64
            # constants keep them exact, as Towers' Double arithmetic does.
            exact = {k: v if k == "initial_accumulator_value" or not isinstance(v, float)
                     else tf.constant(v, tf.float64) for k, v in options.items()}
            defaults = {"AdamOptimizer": dict(beta1=0.9, beta2=0.999, epsilon=1e-8),
                        "RMSPropOptimizer": dict(momentum=0.0)}.get(kind, {})
            for k, v in defaults.items():
                exact.setdefault(k, tf.constant(v, tf.float64))
            opt = getattr(v1.train, kind)(rate, **exact)
            global_step = v1.train.get_or_create_global_step()
            train = opt.minimize(loss, global_step=global_step)
            with v1.Session() as session:
                session.run(v1.global_variables_initializer())
                trajectory = []
                for t in range(STEPS):
                    session.run(train, {rate: step_schedule(t) if lr == "step" else lr})
                    w_value, b_value = session.run([W, b])
                    trajectory.append(flat(w_value.tolist()) + b_value.tolist())
                slots = {}
                for slot in slot_names:
                    variable = [v for v in v1.global_variables() if v.op.name == "tower/dense/kernel/" + slot][0]
                    slots[slot] = session.run(variable).flatten().tolist()
                names = sorted(v.op.name for v in v1.global_variables())
        out["runs"][name] = {"trajectory": trajectory, "slots": slots}
        out["names"][name] = names
    return out


def swift_literal(values):
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def write_swift(torch_file, tf1_file):
    with open(torch_file) as f:
        torch_data = json.load(f)
    with open(tf1_file) as f:
        tf1_data = json.load(f)
    versions = ", ".join(f"{k} {v}" for d in (torch_data, tf1_data) for k, v in d["versions"].items())
    lines = [
        "// Generated by Tests/TrainTests/Optimizers/References/optimizers.py; do not edit.",
        f"// References computed with {versions} (tf.compat.v1, graph mode), in float64.",
        "",
        "/// The optimizer references: a start, inputs and coefficients, and for each run the",
        "/// kernel (6 values) and bias (2 values) after every step and the kernel's slots after",
        "/// the last one.",
        "enum OptimizerReferences {",
        f"    static let kernel: [Double] = {swift_literal(flat(W0))}",
        f"    static let bias: [Double] = {swift_literal(B0)}",
        "    static let inputs: [[Double]] = [",
    ]
    lines += [f"        {swift_literal(flat(x))}," for x in X]
    lines += ["    ]", "    static let coefficients: [[Double]] = ["]
    lines += [f"        {swift_literal(flat(c))}," for c in C]
    lines += ["    ]", "", "    struct Run {", "        var trajectory: [[Double]]", "        var slots: [String: [Double]]",
              "    }", "", "    static let runs: [String: Run] = ["]
    for data in (torch_data, tf1_data):
        for name, run in data["runs"].items():
            lines.append(f"        \"{name}\": Run(")
            lines.append("            trajectory: [")
            lines += [f"                {swift_literal(step)}," for step in run["trajectory"]]
            lines.append("            ],")
            slots = ", ".join(f"\"{k}\": {swift_literal(v)}" for k, v in sorted(run["slots"].items()))
            lines.append(f"            slots: [{slots}]),")
    lines += ["    ]", "", "    /// Every variable TF1 made in each TF1 run (`op.name`), sorted.",
              "    static let tf1Names: [String: [String]] = ["]
    for name, names in tf1_data["names"].items():
        lines.append(f"        \"{name}\": [" + ", ".join(f"\"{n}\"" for n in names) + "],")
    lines += ["    ]", "}"]
    print("\n".join(lines))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "torch":
        json.dump(run_torch(), sys.stdout)
    elif mode == "tf1":
        json.dump(run_tf1(), sys.stdout)
    else:
        write_swift(sys.argv[2], sys.argv[3])
