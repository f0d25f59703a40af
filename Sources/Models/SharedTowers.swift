public import Layers
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
/// The tower function receives the input and the `training` flag of the call,
/// to pass on to the layers that behave differently in training (`Dropout`,
/// `BatchNorm`); a tower that has none can take the input alone.
///
/// ```swift
/// let store = VariableStore(seed: 1)
/// let towers = SharedTowers<Float>(store: store, scope: "tower") { x, training in
///     let h = try Dense<Float>(units: 128, activation: .relu)(x)
///     return try Dense<Float>(units: 32)(try Dropout<Float>(rate: 0.2)(h, training: training))
/// }
/// let embeddings = try towers([left, right, third], training: true)   // three towers, one set of weights
/// ```
public struct SharedTowers<Scalar: TensorScalar>: Sendable {
    public let store: VariableStore
    /// The scope every tower is built in.
    public let scope: String
    /// The tower: any function of one input and the training flag, built from
    /// layers or `getVariable`.
    public let tower: @Sendable (_ input: Tensor<Scalar>, _ training: Bool) throws -> Tensor<Scalar>

    /// Towers from a function of the input and the `training` flag.
    public init(
        store: VariableStore, scope: String = "tower",
        tower: @escaping @Sendable (_ input: Tensor<Scalar>, _ training: Bool) throws -> Tensor<Scalar>
    ) {
        self.store = store
        self.scope = scope
        self.tower = tower
    }

    /// Towers from a function of the input alone (the same in training and inference).
    ///
    /// ```swift
    /// let towers = SharedTowers<Float>(store: store) { x in try Dense<Float>(units: 32)(x) }
    /// ```
    public init(
        store: VariableStore, scope: String = "tower",
        tower: @escaping @Sendable (_ input: Tensor<Scalar>) throws -> Tensor<Scalar>
    ) {
        self.init(store: store, scope: scope) { x, _ in try tower(x) }
    }

    /// Towers that apply `layer` (a `Sequential` or any other layer), passing the
    /// training flag to it. The one layer object is called by every tower, so its
    /// weights are shared whatever scope names it uses.
    ///
    /// ```swift
    /// let towers = SharedTowers(store: store, layer: Sequential<Float>([Dense(units: 64, activation: .relu), Dropout(rate: 0.3), Dense(units: 32)]))
    /// ```
    public init(store: VariableStore, scope: String = "tower", layer: some Layer<Scalar>) {
        self.init(store: store, scope: scope) { x, training in try layer(x, training: training) }
    }

    /// Runs the tower on each input, in order, sharing its weights.
    public func callAsFunction(_ inputs: [Tensor<Scalar>], training: Bool = false) throws -> [Tensor<Scalar>] {
        try inputs.enumerated().map { i, x in try callAsFunction(x, towerIndex: i, training: training) }
    }

    /// Runs one tower (labelled `tower <towerIndex>` in the sharing report).
    public func callAsFunction(
        _ input: Tensor<Scalar>, towerIndex: Int = 0, training: Bool = false
    ) throws -> Tensor<Scalar> {
        try VariableUse.$label.withValue("tower \(towerIndex)") {
            try store.asDefault {
                try store.variableScope(scope, reuse: .autoReuse) {
                    try Capture.tower(towerIndex) { try tower(input, training) }
                }
            }
        }
    }

    /// The tower's embeddings in inference mode without recording gradients (evaluation).
    public func embed(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try withoutGradients { try self(input, towerIndex: 0, training: false) }
    }
}

/// Two towers sharing every weight, for pairs.
///
/// ```swift
/// let net = SiameseNetwork(towers)
/// let (a, b) = try net(left, right, training: true)
/// let loss = try contrastiveLoss(a, b, labels: labels, margin: 1)
/// ```
public struct SiameseNetwork<Scalar: TensorScalar>: Sendable {
    public let towers: SharedTowers<Scalar>
    public init(_ towers: SharedTowers<Scalar>) { self.towers = towers }

    /// Both towers; `training` reaches every layer of each.
    public func callAsFunction(
        _ left: Tensor<Scalar>, _ right: Tensor<Scalar>, training: Bool = false
    ) throws -> (Tensor<Scalar>, Tensor<Scalar>) {
        (try towers(left, towerIndex: 0, training: training), try towers(right, towerIndex: 1, training: training))
    }
}

/// Three towers sharing every weight, for (anchor, positive, negative) triplets.
///
/// ```swift
/// let (a, p, n) = try TripletNetwork(towers)(anchors, positives, negatives, training: true)
/// let loss = try tripletMarginLoss(anchor: a, positive: p, negative: n, margin: 1)
/// ```
public struct TripletNetwork<Scalar: TensorScalar>: Sendable {
    public let towers: SharedTowers<Scalar>
    public init(_ towers: SharedTowers<Scalar>) { self.towers = towers }

    /// The three towers; `training` reaches every layer of each.
    public func callAsFunction(
        _ anchor: Tensor<Scalar>, _ positive: Tensor<Scalar>, _ negative: Tensor<Scalar>, training: Bool = false
    ) throws
        -> (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>)
    {
        (
            try towers(anchor, towerIndex: 0, training: training),
            try towers(positive, towerIndex: 1, training: training),
            try towers(negative, towerIndex: 2, training: training)
        )
    }
}
