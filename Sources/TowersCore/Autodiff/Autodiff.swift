/// One recorded operation: the tensors it read and how to push the gradient of
/// its output back into theirs. The closure receives the output (so it never
/// captures it: no retain cycle) and must *accumulate* into its inputs' grads.
package final class Node<Scalar: TensorElement> {
    package let op: StaticString
    package let inputs: [Tensor<Scalar>]
    package let backward: (_ out: Tensor<Scalar>) -> Void

    package init(op: StaticString, inputs: [Tensor<Scalar>], backward: @escaping (_ out: Tensor<Scalar>) -> Void) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether operations are recorded for differentiation in the current task.
public enum GradientMode {
    /// `true` unless inside ``withoutGradients(_:)``.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording operations (inference, evaluation, optimizer
/// updates), like `torch.no_grad()`.
///
/// ```swift
/// let embeddings = withoutGradients { tower(x) }
/// ```
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isEnabled.withValue(false) { try body() }
}

extension Tensor {
    /// Resets ``grad`` to `nil`.
    public func zeroGrad() { grad = nil }

    /// Frees the graph behind a tensor that is going away, one node at a time.
    ///
    /// Called from `deinit`. Freeing a node releases its inputs (through its input
    /// list and its backward closure); an input that dies with it would free its own
    /// node from inside that release, and so on down the graph, one nested call per
    /// operation. Instead, each input is held here while its consumer's node is
    /// freed; if nothing else holds it, its node is taken into the worklist and the
    /// tensor is released with no history left to free.
    func releaseHistory() {
        var nodes: [Node<Scalar>] = []
        if let n = node {
            node = nil
            nodes.append(n)
        }
        while !nodes.isEmpty {
            var n: Node<Scalar>? = nodes.removeLast()
            guard isKnownUniquelyReferenced(&n) else { continue }  // still used elsewhere
            var inputs = n!.inputs
            n = nil  // frees the node; `inputs` keeps its inputs alive
            while !inputs.isEmpty {
                var t: Tensor<Scalar>? = inputs.removeLast()
                if isKnownUniquelyReferenced(&t), let inputNode = t!.node {
                    t!.node = nil
                    nodes.append(inputNode)
                }
                t = nil
            }
        }
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Marks this tensor as a leaf that receives gradients, and returns it.
    ///
    /// ```swift
    /// let w = try Tensor<Float>.zeros([3]).requiringGradient()
    /// ```
    @discardableResult
    public func requiringGradient(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// A fresh result tensor for an operation over `inputs`, whose values the
    /// operation has just computed into `storage`: the graph records it when
    /// gradients are enabled and any input requires them, and a capture records
    /// `forward` (which computes the same values again) and the backward pass.
    /// `others` are tensors of other element types the operation reads (indices).
    ///
    /// `forward` is evaluated only inside a capture, so an operation passes the
    /// local function it has just run without allocating a closure otherwise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package static func result(
        _ op: StaticString, shape: [Int], storage: TensorStorage<Scalar>, inputs: [Tensor<Scalar>],
        reading others: [AnyObject] = [], forward: @autoclosure () -> (() -> Void),
        detail: @autoclosure () -> String = "", backward: @escaping (_ out: Tensor<Scalar>) -> Void
    ) -> Tensor<Scalar> {
        let out = Tensor(shape: shape, storage: storage)
        if inputs.contains(where: { $0.requiresGrad }) && GradientMode.isEnabled {
            out.requiresGrad = true
            out.node = Node(op: op, inputs: inputs, backward: backward)
        }
        if let recorder = Recorder.current {
            let node = out.node
            recorder.append(
                op, output: out, inputs: inputs.map { ObjectIdentifier($0) } + others.map { ObjectIdentifier($0) },
                forward: forward(),
                // `gradPointer()` zeroes the output's gradient if no consumer wrote it this pass.
                backward: node.map { node in
                    {
                        _ = out.gradPointer()
                        node.backward(out)
                    }
                },
                gradientInputs: node == nil ? [] : inputs.filter(\.requiresGrad).map { ObjectIdentifier($0) },
                gradientHolder: node == nil ? nil : out,
                detail: detail())
        }
        return out
    }

    /// This tensor's gradient buffer, to accumulate into: created zero-filled on
    /// first use (and zeroed if it is stale).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func gradPointer() -> UnsafeMutablePointer<Scalar> {
        if let gradientOwner { return gradientOwner.gradPointer() }
        if let g = grad {
            if gradIsStale {
                g.storage.base.zeroElements(count: count)
                gradIsStale = false
            }
            return g.storage.base
        }
        let g = Tensor(shape: shape, storage: TensorStorage(zeros: count))
        grad = g
        return g.storage.base
    }

    /// This tensor's gradient buffer for a backward pass to write into, and
    /// whether it must *overwrite* it (the buffer is new or stale: the first
    /// gradient written, no zero-fill first) or accumulate into it. An operation
    /// that takes `overwrite` must then write every element.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func gradientTarget() -> (pointer: UnsafeMutablePointer<Scalar>, overwrite: Bool) {
        if let gradientOwner { return gradientOwner.gradientTarget() }
        if let g = grad {
            let stale = gradIsStale
            gradIsStale = false
            return (g.storage.base, stale)
        }
        let g = Tensor(shape: shape, storage: TensorStorage(uninitializedCount: count))
        grad = g
        return (g.storage.base, true)
    }

    /// The tensors that (transitively) produced this one and require gradients,
    /// inputs before the operations that read them.
    package func topologicalOrder() -> [Tensor<Scalar>] {
        var order: [Tensor<Scalar>] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative post-order DFS: deep graphs (long unrolls) must not overflow the stack.
        var stack: [(Tensor<Scalar>, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded {
                order.append(t)
                continue
            }
            guard t.requiresGrad, visited.insert(ObjectIdentifier(t)).inserted else { continue }
            stack.append((t, true))
            if let node = t.node {
                for input in node.inputs.reversed() where input.requiresGrad {
                    stack.append((input, false))
                }
            }
        }
        return order
    }

    /// Back-propagates from this tensor: adds `∂self/∂t · seed` to the ``grad`` of
    /// every leaf `t` that requires gradients, then releases the recorded graph.
    ///
    /// A leaf used several times (a weight shared by two towers) receives the sum
    /// of the gradients of all its uses. `seed` defaults to 1 and may be omitted
    /// only for a one-element tensor.
    ///
    /// ```swift
    /// let loss = (w * w).sum()
    /// loss.backward()        // w.grad == 2 · w
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(seed: Tensor<Scalar>? = nil) {
        _ = backpropagate(seed: seed, keeping: [])
    }

    /// Runs back-propagation and returns the gradients of the tensors in `keep`
    /// (leaves or intermediate results) before the graph is released.
    private func backpropagate(seed: Tensor<Scalar>?, keeping keep: [Tensor<Scalar>]) -> [Tensor<Scalar>?] {
        check(requiresGrad, "backward() on a tensor that does not depend on any tensor requiring gradients")
        if let seed {
            check(seed.shape == shape, "backward seed of shape \(seed.shape) for a tensor of shape \(shape)")
            Scalar.axpy(n: count, alpha: 1, x: seed.storage.base, incX: 1, y: gradPointer(), incY: 1)
        } else {
            check(count == 1, "backward() without a seed needs a one-element tensor, shape is \(shape)")
            gradPointer()[0] += 1
        }
        let order = topologicalOrder()
        for t in order.reversed() {
            if let node = t.node, t.grad != nil { node.backward(t) }
        }
        let kept = keep.map { $0.grad }
        // Release the graph: intermediate results drop their history and their
        // gradients; leaves keep their accumulated gradients.
        for t in order where t.node != nil {
            t.node = nil
            t.grad = nil
            t.requiresGrad = false
        }
        return kept
    }
}

/// The gradients of a scalar `loss` with respect to each tensor in `wrt` (leaves
/// or intermediate results); `nil` for a tensor the loss does not depend on.
///
/// The ``Tensor/grad`` of each leaf in `wrt` is left as it was before the call;
/// other leaves of the graph accumulate as with ``Tensor/backward(seed:)``, and the
/// recorded graph is released.
///
/// ```swift
/// let g = gradients(of: loss, wrt: [w, b])
/// ```
public func gradients<Scalar: TensorScalar>(of loss: Tensor<Scalar>, wrt: [Tensor<Scalar>]) -> [Tensor<Scalar>?] {
    // Stash leaf gradients so the call leaves them untouched.
    let leaves = wrt.filter { $0.node == nil }
    let saved = leaves.map { $0.grad }
    for leaf in leaves { leaf.grad = nil }
    let result = loss.backpropagateForGradients(keeping: wrt)
    for (leaf, g) in zip(leaves, saved) { leaf.grad = g }
    return result
}

extension Tensor where Scalar: TensorScalar {
    fileprivate func backpropagateForGradients(keeping keep: [Tensor<Scalar>]) -> [Tensor<Scalar>?] {
        backpropagate(seed: nil, keeping: keep)
    }
}

/// A tensor whose gradient a captured step keeps between replays.
package protocol GradientHolder: AnyObject {
    /// Creates the gradient buffer if there is none.
    func allocateGradient()
    /// Marks the gradient's values stale: the next backward pass overwrites them.
    func markGradientStale()
}

extension Tensor: GradientHolder where Scalar: TensorScalar {
    package func allocateGradient() { _ = gradPointer() }
    package func markGradientStale() { gradIsStale = true }
}
