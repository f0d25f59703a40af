public import TowersCore
public import Variables

/// N towers that share every weight: one tower function, run once per input
/// inside the same variable scope under `.autoReuse`.
///
/// The first tower creates the variables, the others get the identical objects,
/// so the gradient of each weight is the sum over the towers. Each tower's
/// `getVariable` calls are labelled `tower 0`, `tower 1`, … for the
/// ``SharingReport``, and in a captured step (`VariableStore.capture`) the
/// towers run at the same time, one per core.
///
/// ```swift
/// let store = VariableStore(seed: 1)
/// let towers = SharedTowers<Float>(store: store, scope: "tower") { x in
///     let h = try Dense<Float>(units: 128, activation: .relu)(x)
///     return try Dense<Float>(units: 32)(h)
/// }
/// let embeddings = try towers([left, right, third])   // three towers, one set of weights
/// ```
public struct SharedTowers<Scalar: TensorScalar>: Sendable {
    public let store: VariableStore
    /// The scope every tower is built in.
    public let scope: String
    /// The tower: any function of one input built from layers or `getVariable`.
    public let tower: @Sendable (Tensor<Scalar>) throws -> Tensor<Scalar>

    public init(
        store: VariableStore, scope: String = "tower",
        tower: @escaping @Sendable (Tensor<Scalar>) throws -> Tensor<Scalar>
    ) {
        self.store = store
        self.scope = scope
        self.tower = tower
    }

    /// Runs the tower on each input, in order, sharing its weights.
    public func callAsFunction(_ inputs: [Tensor<Scalar>]) throws -> [Tensor<Scalar>] {
        try inputs.enumerated().map { i, x in try callAsFunction(x, towerIndex: i) }
    }

    /// Runs one tower (labelled `tower <towerIndex>` in the sharing report).
    public func callAsFunction(_ input: Tensor<Scalar>, towerIndex: Int = 0) throws -> Tensor<Scalar> {
        try VariableUse.$label.withValue("tower \(towerIndex)") {
            try store.asDefault {
                try store.variableScope(scope, reuse: .autoReuse) {
                    try Capture.tower(towerIndex) { try tower(input) }
                }
            }
        }
    }

    /// The tower's embeddings without recording gradients (evaluation).
    public func embed(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try withoutGradients { try self(input, towerIndex: 0) }
    }
}

/// Two towers sharing every weight, for pairs.
///
/// ```swift
/// let net = SiameseNetwork(towers)
/// let (a, b) = try net(left, right)
/// let loss = try contrastiveLoss(a, b, labels: labels, margin: 1)
/// ```
public struct SiameseNetwork<Scalar: TensorScalar>: Sendable {
    public let towers: SharedTowers<Scalar>
    public init(_ towers: SharedTowers<Scalar>) { self.towers = towers }

    public func callAsFunction(
        _ left: Tensor<Scalar>, _ right: Tensor<Scalar>
    ) throws -> (Tensor<Scalar>, Tensor<Scalar>) {
        (try towers(left, towerIndex: 0), try towers(right, towerIndex: 1))
    }
}

/// Three towers sharing every weight, for (anchor, positive, negative) triplets.
///
/// ```swift
/// let (a, p, n) = try TripletNetwork(towers)(anchors, positives, negatives)
/// let loss = try tripletMarginLoss(anchor: a, positive: p, negative: n, margin: 1)
/// ```
public struct TripletNetwork<Scalar: TensorScalar>: Sendable {
    public let towers: SharedTowers<Scalar>
    public init(_ towers: SharedTowers<Scalar>) { self.towers = towers }

    public func callAsFunction(
        _ anchor: Tensor<Scalar>, _ positive: Tensor<Scalar>, _ negative: Tensor<Scalar>
    ) throws
        -> (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>)
    {
        (try towers(anchor, towerIndex: 0), try towers(positive, towerIndex: 1), try towers(negative, towerIndex: 2))
    }
}
