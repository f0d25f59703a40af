public import TowersCore

/// Contrastive loss (Hadsell, Chopra and LeCun, 2006): the mean over pairs of
/// `d²` for `.same` pairs and `max(0, margin − d)²` for `.different` pairs, with
/// `d` the Euclidean distance between the embeddings.
///
/// ```swift
/// let loss = contrastiveLoss(a, b, labels: [.same, .different], margin: 1)
/// ```
@_specialize(where T == Float)
@_specialize(where T == Double)
public func contrastiveLoss<T: TensorScalar>(
    _ a: Tensor<T>, _ b: Tensor<T>, labels: [PairLabel], margin: T = 1
) -> Tensor<T> {
    precondition(
        a.rank == 2 && labels.count == a.shape[0],
        "contrastiveLoss: \(labels.count) labels for embeddings of shape \(a.shape)")
    let same = Tensor<T>(labels.map { $0 == .same ? 1 : 0 })
    let different = Tensor<T>(labels.map { $0 == .different ? 1 : 0 })
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
/// let loss = tripletMarginLoss(anchor: a, positive: p, negative: n, margin: 1)
/// ```
public func tripletMarginLoss<T: TensorScalar>(
    anchor: Tensor<T>, positive: Tensor<T>, negative: Tensor<T>, margin: T = 1
) -> Tensor<T> {
    let dp = (anchor.squaredDistance(to: positive) + T(1e-9)).sqrt()
    let dn = (anchor.squaredDistance(to: negative) + T(1e-9)).sqrt()
    return (dp - dn + margin).hinge().mean()
}

/// Softmax cross-entropy with integer class labels: the mean of
/// `−log softmax(logits)[i, label_i]`.
///
/// ```swift
/// let loss = softmaxCrossEntropy(logits: logits, labels: [3, 1, 4])
/// ```
public func softmaxCrossEntropy<T: TensorScalar>(logits: Tensor<T>, labels: [Int]) -> Tensor<T> {
    precondition(
        logits.rank == 2 && labels.count == logits.shape[0],
        "softmaxCrossEntropy: \(labels.count) labels for logits of shape \(logits.shape)")
    let classes = logits.shape[1]
    precondition(labels.allSatisfy { $0 >= 0 && $0 < classes }, "softmaxCrossEntropy: labels must be in 0..<\(classes)")
    var hot = [T](repeating: 0, count: logits.count)
    for (i, label) in labels.enumerated() { hot[i * classes + label] = 1 }
    let oneHot = Tensor<T>(validShape: logits.shape, scalars: hot)
    return -(logits.logSoftmax() * oneHot).sum() / T(Swift.max(labels.count, 1))
}

/// Mean squared error `mean((prediction − target)²)`.
public func meanSquaredError<T: TensorScalar>(_ prediction: Tensor<T>, _ target: Tensor<T>) -> Tensor<T> {
    precondition(
        prediction.shape == target.shape, "meanSquaredError: shapes \(prediction.shape) and \(target.shape) differ")
    return (prediction - target).squared().mean()
}
