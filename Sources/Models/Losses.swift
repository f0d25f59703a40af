public import TowersCore

/// Contrastive loss (Hadsell, Chopra and LeCun, 2006): the mean over pairs of
/// `d²` for `.same` pairs and `max(0, margin − d)²` for `.different` pairs, with
/// `d` the Euclidean distance between the embeddings.
///
/// ```swift
/// let loss = try contrastiveLoss(a, b, labels: [.same, .different], margin: 1)
/// ```
/// - Throws: ``LossError`` unless `a` and `b` are `[B, D]` with the same shape,
///   `B > 0`, and there are `B` labels.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func contrastiveLoss<T: TensorScalar>(
    _ a: Tensor<T>, _ b: Tensor<T>, labels: [PairLabel], margin: T = 1
) throws -> Tensor<T> {
    try LossError.checkPairs("contrastiveLoss", a, b, names: ("a", "b"))
    guard labels.count == a.shape[0] else {
        throw LossError(loss: "contrastiveLoss", "\(labels.count) labels for embeddings of shape \(a.shape)")
    }
    let same = Tensor<T>(labels.map { $0 == .same ? 1 : 0 })
    let different = Tensor<T>(labels.map { $0 == .different ? 1 : 0 })
    return contrastive(a, b, same: same, different: different, margin: margin)
}

/// Contrastive loss with the pair labels as a tensor: `same` is `[B]`, 1 for a
/// same-class pair and 0 for a different one (the form a captured step takes,
/// since its labels change every step).
///
/// ```swift
/// let same = batch.targets()   // Tensor<Float>: 1 same, 0 different
/// let loss = try contrastiveLoss(a, b, same: same, margin: 1)
/// ```
/// - Throws: ``LossError`` unless `a` and `b` are `[B, D]` with the same shape,
///   `B > 0`, and `same` is `[B]`.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func contrastiveLoss<T: TensorScalar>(
    _ a: Tensor<T>, _ b: Tensor<T>, same: Tensor<T>, margin: T = 1
) throws -> Tensor<T> {
    try LossError.checkPairs("contrastiveLoss", a, b, names: ("a", "b"))
    guard same.shape == [a.shape[0]] else {
        throw LossError(loss: "contrastiveLoss", "labels of shape \(same.shape) for embeddings of shape \(a.shape)")
    }
    return contrastive(a, b, same: same, different: 1 - same, margin: margin)
}

/// `mean(same · d² + different · max(0, margin − d)²)`.
private func contrastive<T: TensorScalar>(
    _ a: Tensor<T>, _ b: Tensor<T>, same: Tensor<T>, different: Tensor<T>, margin: T
) -> Tensor<T> {
    let d2 = a.squaredDistance(to: b)
    let d = (d2 + T(1e-9)).sqrt()
    let pull = d2 * same
    let push = (margin - d).hinge().squared() * different
    return (pull + push).mean()
}

/// Triplet margin loss: the mean of `max(0, d(a, p) − d(a, n) + margin)` with
/// Euclidean distances (PyTorch's `TripletMarginLoss`).
///
/// ```swift
/// let loss = try tripletMarginLoss(anchor: a, positive: p, negative: n, margin: 1)
/// ```
/// - Throws: ``LossError`` unless the three inputs are `[B, D]` with one shape and `B > 0`.
public func tripletMarginLoss<T: TensorScalar>(
    anchor: Tensor<T>, positive: Tensor<T>, negative: Tensor<T>, margin: T = 1
) throws -> Tensor<T> {
    try LossError.checkPairs("tripletMarginLoss", anchor, positive, names: ("anchor", "positive"))
    try LossError.checkPairs("tripletMarginLoss", anchor, negative, names: ("anchor", "negative"))
    let dp = (anchor.squaredDistance(to: positive) + T(1e-9)).sqrt()
    let dn = (anchor.squaredDistance(to: negative) + T(1e-9)).sqrt()
    return (dp - dn + margin).hinge().mean()
}

/// Softmax cross-entropy with integer class labels: the mean of
/// `−log softmax(logits)[i, label_i]`.
///
/// ```swift
/// let loss = try softmaxCrossEntropy(logits: logits, labels: [3, 1, 4])
/// ```
/// - Throws: ``LossError`` unless `logits` is `[B, classes]` with `B > 0`, there
///   are `B` labels, and each is in `0..<classes`.
public func softmaxCrossEntropy<T: TensorScalar>(logits: Tensor<T>, labels: [Int]) throws -> Tensor<T> {
    guard logits.rank == 2, logits.shape[0] > 0, labels.count == logits.shape[0] else {
        throw LossError(
            loss: "softmaxCrossEntropy",
            "\(labels.count) labels for logits of shape \(logits.shape) (expected [B, classes])")
    }
    let classes = logits.shape[1]
    if let (row, label) = labels.enumerated().first(where: { !(0..<classes).contains($0.element) }) {
        throw LossError(
            loss: "softmaxCrossEntropy",
            "label \(label) of row \(row) is not in 0..<\(classes) (logits of shape \(logits.shape))")
    }
    var hot = [T](repeating: 0, count: logits.count)
    for (i, label) in labels.enumerated() { hot[i * classes + label] = 1 }
    let oneHot = Tensor<T>(validShape: logits.shape, scalars: hot)
    return -(logits.logSoftmax() * oneHot).sum() / T(labels.count)
}

/// Softmax cross-entropy with the class labels as an integer tensor `[B]`
/// (`Int32` or `Int64`): the form a captured step takes, since its labels
/// change every step (a replay checks them before running).
///
/// ```swift
/// let loss = try softmaxCrossEntropy(logits: logits, labels: Tensor<Int32>([3, 1, 4]))
/// ```
/// - Throws: ``LossError`` unless `logits` is `[B, classes]` with `B > 0`,
///   `labels` is `[B]`, and each label is a whole number in `0..<classes`.
public func softmaxCrossEntropy<T: TensorScalar, Label: TensorElement & BinaryInteger>(
    logits: Tensor<T>, labels: Tensor<Label>
) throws -> Tensor<T> {
    guard logits.rank == 2, logits.shape[0] > 0, labels.shape == [logits.shape[0]] else {
        throw LossError(
            loss: "softmaxCrossEntropy",
            "labels of shape \(labels.shape) for logits of shape \(logits.shape) (expected [B] and [B, classes])")
    }
    let classes = logits.shape[1]
    if let (row, label) = labels.scalars.enumerated().first(where: { !(0..<classes).contains(Int($0.element)) }) {
        throw LossError(
            loss: "softmaxCrossEntropy",
            "label \(label) of row \(row) is not in 0..<\(classes) (logits of shape \(logits.shape))")
    }
    return logits.softmaxCrossEntropy(labels: labels)
}

/// Mean squared error `mean((prediction − target)²)`.
///
/// ```swift
/// let loss = try meanSquaredError(prediction, target)
/// ```
/// - Throws: ``LossError`` when the shapes differ.
public func meanSquaredError<T: TensorScalar>(_ prediction: Tensor<T>, _ target: Tensor<T>) throws -> Tensor<T> {
    guard prediction.shape == target.shape else {
        throw LossError(
            loss: "meanSquaredError",
            "prediction of shape \(prediction.shape) and target of shape \(target.shape) differ")
    }
    return (prediction - target).squared().mean()
}

/// Inputs a loss cannot take (shapes, label counts, label values), with the
/// shapes in the message.
///
/// ```swift
/// do {
///     _ = try contrastiveLoss(a, b, labels: labels)
/// } catch let error as LossError {
///     print(error)   // "contrastiveLoss: 3 labels for embeddings of shape [4, 32]"
/// }
/// ```
public struct LossError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The loss function.
    public let loss: String
    /// What is wrong.
    public let message: String

    public init(loss: String, _ message: String) {
        self.loss = loss
        self.message = message
    }

    public var description: String { "\(loss): \(message)" }

    /// Both are `[B, D]` with one shape and `B > 0`.
    static func checkPairs<T>(_ loss: String, _ a: Tensor<T>, _ b: Tensor<T>, names: (String, String)) throws {
        guard a.rank == 2, b.shape == a.shape, a.shape[0] > 0 else {
            throw LossError(
                loss: loss,
                "\(names.0) of shape \(a.shape) and \(names.1) of shape \(b.shape): expected two [B, D] "
                    + "embeddings of one shape with B > 0")
        }
    }
}
