/// One component of a name as the table looks it up: the interned id of its
/// lowercased base and its numeric suffix (`tower_7` → (id of `tower`, 7);
/// `tower` → (id of `tower`, 0)). A base's record of the names generated from
/// it has suffix −1.
struct NameKey: Equatable, Sendable {
    var base: Int
    var suffix: Int
}

/// A name scope: its parent, the text it added (as given, possibly with `/`) and
/// the suffix the table appended; the full name (`tower_1/dense`, no trailing
/// `/`; `""` at the root) is built only when asked for.
final class NamePath: Sendable {
    let parent: NamePath?
    /// The components this level added, as given (`dense`, or `p/q`).
    let text: String
    /// The suffix appended to the last component (0: none).
    let suffix: Int
    /// The keys of this level's components but the last (for `p/q`: `p`).
    let leading: [NameKey]
    /// The key of this level's last component, with its suffix.
    let last: NameKey
    /// The table's count of entries made for generated names when this path was
    /// opened: if it has not moved at its close, nothing can need folding back.
    let stamp: Int

    init(parent: NamePath?, text: String, suffix: Int, leading: [NameKey], last: NameKey, stamp: Int) {
        self.parent = parent
        self.text = text
        self.suffix = suffix
        self.leading = leading
        self.last = last
        self.stamp = stamp
    }

    static let root = NamePath(
        parent: nil, text: "", suffix: 0, leading: [], last: NameKey(base: 0, suffix: 0), stamp: -1)

    /// The keys of this level's components, the last one with its suffix.
    var keys: [NameKey] { leading + [last] }

    var isRoot: Bool { parent == nil }

    /// The full name, without a trailing `/`.
    var name: String {
        guard let parent else { return "" }
        var s = parent.name
        if !s.isEmpty { s += "/" }
        s += text
        if suffix > 0 {
            s += "_"
            s += String(suffix)
        }
        return s
    }

    /// Every key from the root down.
    var allKeys: [NameKey] { parent.map { $0.allKeys + keys } ?? [] }
}

/// A store's table of used names: TensorFlow's `Graph.unique_name`, which hands
/// out names for `variable`, `getVariable`, name scopes and (later) operations,
/// compared case-insensitively (rules 1, 21 and 26 of the scoping semantics).
///
/// TensorFlow keeps every name it ever handed out. A training loop that enters
/// `tower` every step would then grow the table by one name per step (`tower_1`,
/// `tower_2`, …) and by every name made inside each of those. This table gives
/// exactly TensorFlow's names with memory that stays flat in such a loop:
///
/// - names are a tree of `/`-separated components; each component is looked up
///   by its base (interned once) and its suffix, so `tower_7` costs no string work;
/// - each base keeps the highest suffix generated from it, `generated`: every
///   `base_j` with `j ≤ generated` is in use (generated, or skipped because
///   something else had taken it), so generated names need no entry of their own;
/// - what was named *inside* generated names (`tower_7/dense`) is kept as runs
///   of equal subtrees over suffix ranges, so a million steps that each build the
///   same subtree under `tower_N` keep one run.
///
/// A generated name gets an entry of its own only while something is named
/// inside it; ``close(_:)`` folds it back into its run when its name scope ends.
struct NameTable {
    /// One level: the names used under one name, and what was generated from
    /// each base. Levels are small (a few names) and looked up on every scope
    /// entry, so they are arrays searched linearly, with a dictionary index once
    /// they grow. A level inside a run is never changed (it is copied when a
    /// generated name gets its own entry).
    final class Node {
        // Only ever used under the store's lock: no dynamic exclusivity checks.
        @exclusivity(unchecked) private(set) var keys: [NameKey] = []
        @exclusivity(unchecked) private(set) var entries: [Entry] = []
        @exclusivity(unchecked) private var index: [Int: Int]?

        init() {}

        static func code(_ key: NameKey) -> Int { key.base &* 0x1_0000_0000 &+ key.suffix }

        func find(_ key: NameKey) -> Int? {
            if let index { return index[Self.code(key)] }
            for i in keys.indices where keys[i] == key { return i }
            return nil
        }

        subscript(_ key: NameKey) -> Entry? { find(key).map { entries[$0] } }

        func update(_ i: Int, _ body: (inout Entry) -> Void) { body(&entries[i]) }

        @discardableResult
        func insert(_ key: NameKey, _ entry: Entry) -> Int {
            if keys.isEmpty {
                keys.reserveCapacity(4)
                entries.reserveCapacity(4)
            }
            keys.append(key)
            entries.append(entry)
            let i = keys.count - 1
            if index != nil {
                index![Self.code(key)] = i
            } else if keys.count > 16 {
                var map: [Int: Int] = [:]
                for (j, k) in keys.enumerated() { map[Self.code(k)] = j }
                index = map
            }
            return i
        }

        func remove(at i: Int) {
            let last = keys.count - 1
            index?[Self.code(keys[i])] = nil
            if i != last {
                keys[i] = keys[last]
                entries[i] = entries[last]
                index?[Self.code(keys[i])] = i
            }
            keys.removeLast()
            entries.removeLast()
        }

        var isEmpty: Bool { keys.isEmpty }
    }

    /// One name at one level (suffix ≥ 0), or one base's generated names (suffix −1).
    struct Entry {
        /// How often `unique` was asked for exactly this name (TF's `names_in_use`
        /// value); 0 for a name that only leads to deeper ones, or for a generated
        /// name given an entry to hold what is named inside it.
        var count = 0
        /// The names inside this one (`nil`: none).
        var children: Node?
        /// The highest suffix generated from this base.
        var generated = 0
        /// The children of `base_1 … base_generated`, as runs of equal subtrees
        /// (a generated name with an entry of its own uses that instead).
        var runs: [Run] = []
    }

    /// Suffixes `previous.last + 1 … last` share `children` (`nil`: none).
    struct Run {
        var last: Int
        var children: Node?
    }

    let root = Node()
    /// How many entries were made for names inside generated names (what
    /// ``close(_:)`` may fold back), so closes with nothing to fold cost nothing.
    private var materialised = 0
    /// Interned lowercased base names.
    private var ids: [String: Int] = [:]
    /// The last few single-component names asked for, with their key and their
    /// id as a base: scope entries ask for the same few names over and over.
    private var recent: [(text: String, key: NameKey, asBase: Int)] = []

    /// The unique form of `name` under the name scope `prefix`: `prefix/name` if
    /// unused, else `prefix/name_1`, `prefix/name_2`, …, the first unused. With
    /// `markAsUsed`, the name is recorded (TF's `Graph.unique_name`).
    mutating func unique(_ name: String, in prefix: NamePath, markAsUsed: Bool = true) -> NamePath {
        var leading: [NameKey] = []
        let last: NameKey, asBase: Int
        if let hit = recent.first(where: { $0.text == name }) {
            (last, asBase) = (hit.key, hit.asBase)
        } else {
            var lastText = name[...]
            if Self.containsSlash(name) {
                let parts = Self.components(name)
                for part in parts.dropLast() { leading.append(key(part)) }
                lastText = parts[parts.count - 1]
            }
            let lowered = Self.lowercase(lastText)
            last = key(lowered: lowered)
            asBase = last.suffix == 0 ? last.base : intern(lowered)
            if leading.isEmpty {
                if recent.count == 8 { recent.removeFirst() }
                recent.append((name, last, asBase))
            }
        }
        var node = self.node(prefix)
        var made = 0
        for key in leading { node = node.child(key, made: &made) }
        let suffix = node.unique(last, asBase: asBase, markAsUsed: markAsUsed, made: &made)
        materialised += made
        guard let suffix else {
            return NamePath(parent: prefix, text: name, suffix: 0, leading: leading, last: last, stamp: materialised)
        }
        return NamePath(
            parent: prefix, text: name, suffix: suffix, leading: leading, last: NameKey(base: asBase, suffix: suffix),
            stamp: materialised)
    }

    /// The level inside `path` (made, with generated names' run content, if needed).
    mutating func node(_ path: NamePath) -> Node {
        guard let parent = path.parent else { return root }
        var node = self.node(parent)
        var made = 0
        for key in path.leading { node = node.child(key, made: &made) }
        node = node.child(path.last, made: &made)
        materialised += made
        return node
    }

    /// The level inside `path` if it has one of its own (nothing is made).
    func existingNode(_ path: NamePath) -> Node? {
        guard let parent = path.parent else { return root }
        guard var node = existingNode(parent) else { return nil }
        for key in path.leading + [path.last] {
            guard let i = node.find(key), let child = node.entries[i].children else { return nil }
            node = child
        }
        return node
    }

    /// Folds the generated name `path` back into its base's runs when nothing
    /// distinguishes it from its neighbours (call when its name scope ends).
    func close(_ path: NamePath) {
        guard materialised != path.stamp, let parent = path.parent, path.last.suffix > 0,
            var node = existingNode(parent)
        else { return }
        for key in path.leading {
            guard let i = node.find(key), let child = node.entries[i].children else { return }
            node = child
        }
        node.compact(path.last)
    }

    /// The path of a full name given as text (`a/b`).
    mutating func path(parsing name: String) -> NamePath {
        guard !name.isEmpty else { return .root }
        let keys = Self.components(name).map { key($0) }
        return NamePath(
            parent: .root, text: name, suffix: 0, leading: Array(keys.dropLast()), last: keys.last!, stamp: -1)
    }

    /// Whether the full name `name` is in use.
    func isUsed(_ name: String) -> Bool {
        var node: Node? = root
        let parts = Self.components(name)
        for (i, part) in parts.enumerated() {
            guard let level = node, let key = existingKey(part) else { return false }
            if i == parts.count - 1 { return level.isUsed(key) }
            node = level.children(of: key)
        }
        return false
    }

    /// The number of names, bases and runs, all levels: what the table costs in memory.
    var footprint: Int { root.footprint }

    // MARK: Keys

    /// The id of a lowercased base name, interned on first use.
    private mutating func intern(_ lowered: String) -> Int {
        if let known = ids[lowered] { return known }
        let id = ids.count + 1
        ids[lowered] = id
        return id
    }

    private mutating func key(_ component: Substring) -> NameKey { key(lowered: Self.lowercase(component)) }

    private mutating func key(lowered: String) -> NameKey {
        if let (base, j) = Self.parseSuffix(lowered) { return NameKey(base: intern(base), suffix: j) }
        return NameKey(base: intern(lowered), suffix: 0)
    }

    /// The key of a component whose base was interned already (else it was never used).
    private func existingKey(_ component: Substring) -> NameKey? {
        let lowered = Self.lowercase(component)
        if let (base, j) = Self.parseSuffix(lowered) { return ids[base].map { NameKey(base: $0, suffix: j) } }
        return ids[lowered].map { NameKey(base: $0, suffix: 0) }
    }

    /// `base_j` with `j ≥ 1` written without leading zeros, as generated.
    static func parseSuffix(_ lowered: String) -> (base: String, suffix: Int)? {
        let utf8 = lowered.utf8
        guard let underscore = utf8.lastIndex(of: 0x5F) else { return nil }
        let digits = utf8[utf8.index(after: underscore)...]
        guard let first = digits.first, first != 0x30, digits.count <= 18 else { return nil }
        var j = 0
        for d in digits {
            guard d >= 0x30 && d <= 0x39 else { return nil }
            j = j * 10 + Int(d - 0x30)
        }
        return (String(lowered[..<underscore]), j)
    }

    static func containsSlash(_ name: String) -> Bool {
        for byte in name.utf8 where byte == 0x2F { return true }
        return false
    }

    /// The `/`-separated components of `name` (empty ones kept), split on bytes.
    static func components(_ name: String) -> [Substring] {
        guard containsSlash(name) else { return [name[...]] }
        let utf8 = name.utf8
        var parts: [Substring] = []
        var start = utf8.startIndex
        var i = start
        while i != utf8.endIndex {
            if utf8[i] == 0x2F {
                parts.append(name[start..<i])
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        parts.append(name[start...])
        return parts
    }

    /// A component lowercased, without work for the usual lowercase ASCII names.
    static func lowercase(_ component: Substring) -> String {
        var upper = false
        for byte in component.utf8 {
            if byte >= 0x80 { return component.lowercased() }
            if byte >= 0x41 && byte <= 0x5A { upper = true }
        }
        guard upper else { return String(component) }
        return String(decoding: component.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}

extension NameTable.Node {
    /// The key of the record of what was generated from the base `id`.
    static func baseKey(_ id: Int) -> NameKey { NameKey(base: id, suffix: -1) }

    /// How many names were generated from the base `id`.
    func generated(_ id: Int) -> Int { self[Self.baseKey(id)]?.generated ?? 0 }

    /// Whether the generated name `key` (`base_j`, j ≥ 1) was generated.
    func isGenerated(_ key: NameKey) -> Bool {
        key.suffix > 0 && key.suffix <= generated(key.base)
    }

    func isUsed(_ key: NameKey) -> Bool {
        (self[key]?.count ?? 0) > 0 || isGenerated(key)
    }

    /// The names inside `key`, read-only (`nil` when none are known).
    func children(of key: NameKey) -> NameTable.Node? {
        if let entry = self[key] { return entry.children }
        guard isGenerated(key), let base = self[Self.baseKey(key.base)] else { return nil }
        return base.runChildren(key.suffix)
    }

    /// A copy of what the run says is inside the generated name `key`, if it is one.
    func runCopy(_ key: NameKey) -> NameTable.Node? {
        guard key.suffix > 0, let base = self[Self.baseKey(key.base)], key.suffix <= base.generated else {
            return nil
        }
        return base.runChildren(key.suffix)?.copy()
    }

    /// The level inside `key`, made (with its run's content, for a generated name)
    /// if needed; counts in `made` the entries it makes for generated names.
    func child(_ key: NameKey, made: inout Int) -> NameTable.Node {
        if let i = find(key) {
            if let child = entries[i].children { return child }
            let child = NameTable.Node()
            update(i) { $0.children = child }
            return child
        }
        let child = runCopy(key) ?? NameTable.Node()
        insert(key, NameTable.Entry(children: child))
        if key.suffix > 0 { made += 1 }
        return child
    }

    /// Records one request for the name `key` (whose whole text, as a base, has
    /// the id `asBase`) and returns the suffix to append, if any.
    func unique(_ key: NameKey, asBase: Int, markAsUsed: Bool, made: inout Int) -> Int? {
        let i = find(key)
        var count = i.map { entries[$0].count } ?? 0
        if count == 0 && isGenerated(key) { count = 1 }  // a generated name counts once
        if markAsUsed {
            if let i {
                update(i) { $0.count = count + 1 }
            } else {
                insert(key, NameTable.Entry(count: count + 1, children: runCopy(key)))
                if key.suffix > 0 { made += 1 }
            }
        }
        guard count > 0 else { return nil }
        // Every base_j with j ≤ generated is in use; above, only an entry can take one.
        let baseKey = Self.baseKey(asBase)
        let b = find(baseKey)
        var j = (b.map { entries[$0].generated } ?? 0) + 1
        while (self[NameKey(base: asBase, suffix: j)]?.count ?? 0) > 0 { j += 1 }
        if markAsUsed {
            if let b {
                update(b) { $0.extendGenerated(to: j) }
            } else {
                var record = NameTable.Entry()
                record.extendGenerated(to: j)
                insert(baseKey, record)
            }
        }
        return j
    }

    /// Folds the generated name `key` at this level back into its base's runs.
    func compact(_ key: NameKey) {
        guard let i = find(key) else { return }
        let entry = entries[i]
        guard entry.count == 0, isGenerated(key) else { return }
        remove(at: i)
        let b = find(Self.baseKey(key.base))!
        update(b) { $0.setRunChildren(key.suffix, entry.children) }
    }

    /// A deep copy.
    func copy() -> NameTable.Node {
        let node = NameTable.Node()
        for (key, entry) in zip(keys, entries) {
            var e = entry
            e.children = e.children?.copy()  // runs hold levels that never change: shared
            node.insert(key, e)
        }
        return node
    }

    /// Whether both hold the same names (`nil` and an empty level are the same).
    static func same(_ a: NameTable.Node?, _ b: NameTable.Node?) -> Bool {
        if a === b { return true }
        guard let x = a, let y = b else { return (a?.isEmpty ?? true) && (b?.isEmpty ?? true) }
        guard x.keys.count == y.keys.count else { return false }
        for (key, e) in zip(x.keys, x.entries) {
            guard let f = y[key], e.count == f.count, e.generated == f.generated, e.runs.count == f.runs.count,
                same(e.children, f.children)
            else { return false }
            for (r, s) in zip(e.runs, f.runs) where r.last != s.last || !same(r.children, s.children) {
                return false
            }
        }
        return true
    }

    var footprint: Int {
        entries.reduce(entries.count) { sum, e in
            sum + (e.children?.footprint ?? 0) + e.runs.reduce(e.runs.count) { $0 + ($1.children?.footprint ?? 0) }
        }
    }
}

extension NameTable.Entry {
    /// The children of the generated name with suffix `j` (`1 … generated`).
    func runChildren(_ j: Int) -> NameTable.Node? {
        runs[runIndex(j)].children
    }

    /// The index of the run holding suffix `j`.
    func runIndex(_ j: Int) -> Int {
        if let last = runs.last, last.last >= j, runs.count == 1 || runs[runs.count - 2].last < j {
            return runs.count - 1  // the usual case: the newest name
        }
        var lo = 0, hi = runs.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if runs[mid].last < j { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Records suffixes up to `j` as generated, with nothing inside them yet.
    mutating func extendGenerated(to j: Int) {
        guard j > generated else { return }
        if let last = runs.indices.last, runs[last].children?.isEmpty ?? true {
            runs[last].last = j
        } else {
            runs.append(NameTable.Run(last: j, children: nil))
        }
        generated = j
    }

    /// Sets the children of suffix `j`, splitting its run and merging equal neighbours.
    mutating func setRunChildren(_ j: Int, _ children: NameTable.Node?) {
        let r = runIndex(j)
        guard !NameTable.Node.same(runs[r].children, children) else { return }
        let first = r == 0 ? 1 : runs[r - 1].last + 1
        if first == j && runs[r].last == j {
            // A run of this name alone (the usual case: the newest generated name).
            if r > 0 && NameTable.Node.same(runs[r - 1].children, children) {
                runs[r - 1].last = j
                runs.remove(at: r)
            } else {
                runs[r].children = children
            }
            mergeNeighbours(around: r)
            return
        }
        let old = runs[r]
        var replacement: [NameTable.Run] = []
        if j > first { replacement.append(NameTable.Run(last: j - 1, children: old.children)) }
        replacement.append(NameTable.Run(last: j, children: children))
        if j < old.last { replacement.append(old) }
        runs.replaceSubrange(r...r, with: replacement)
        mergeNeighbours(around: r)
    }

    private mutating func mergeNeighbours(around r: Int) {
        var i = Swift.max(r - 1, 0)
        while i + 1 < runs.count && i <= r + 2 {
            if NameTable.Node.same(runs[i].children, runs[i + 1].children) {
                runs[i].last = runs[i + 1].last
                runs.remove(at: i + 1)
            } else {
                i += 1
            }
        }
    }
}
