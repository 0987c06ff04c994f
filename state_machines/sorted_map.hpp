#pragma once

// The ordered container under repl_dict (and repl_set): a sorted sequence of
// (key, value) pairs kept in leaves of at most `leaf_capacity` contiguous
// pairs, the leaves themselves in a vector (a B+-tree of height two).
//
// Why not std::map: a map node costs the pair plus 32 bytes of tree links
// plus malloc's header, 112 bytes for two std::strings; here a pair costs
// its own size divided by the leaves' fill (100 % when keys arrive in order,
// as when a snapshot is loaded; about 75 % for random keys). With
// compact_string that is 32 to 43 bytes per string pair.
//
// Costs: lookups are two binary searches (leaves, then within one leaf);
// an insert or erase shifts at most one leaf's pairs and, on a split or when
// a leaf empties, the vector of leaves (one pointer-sized handle per
// `leaf_capacity` pairs: 128 KiB per million pairs of 32 bytes). Iterators
// are invalidated by every insert and erase.
//
// Keys are compared through Traits::view, so a stored compact_string key is
// found with a std::string or std::string_view probe without a copy.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace flexsync::detail {

/// The value type of a sorted_map used as a set.
struct no_value {};

template <class Key, class Value, class View>
class sorted_map {
public:
  using value_type = std::pair<Key, Value>;
  using leaf = std::vector<value_type>;

  /// Pairs per leaf: about 4 KiB of pairs, at least 8.
  static constexpr size_t leaf_capacity
    = std::max<size_t>(8, 4096 / sizeof(value_type));

  class const_iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = sorted_map::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator() = default;

    reference operator*() const { return (*leaves_)[li_][pos_]; }
    pointer operator->() const { return &**this; }

    const_iterator& operator++() {
      if (++pos_ == (*leaves_)[li_].size()) {
        ++li_;
        pos_ = 0;
      }
      return *this;
    }

    const_iterator operator++(int) {
      auto tmp = *this;
      ++*this;
      return tmp;
    }

    friend bool operator==(const const_iterator& x, const const_iterator& y) {
      return x.li_ == y.li_ && x.pos_ == y.pos_;
    }

    friend bool operator!=(const const_iterator& x, const const_iterator& y) {
      return !(x == y);
    }

  private:
    friend class sorted_map;

    const_iterator(const std::vector<leaf>* leaves, size_t li, size_t pos)
      : leaves_(leaves), li_(li), pos_(pos) {
      // nop
    }

    const std::vector<leaf>* leaves_ = nullptr;
    size_t li_ = 0;
    size_t pos_ = 0;
  };

  const_iterator begin() const { return {&leaves_, 0, 0}; }
  const_iterator end() const { return {&leaves_, leaves_.size(), 0}; }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  void clear() {
    leaves_.clear();
    leaves_.shrink_to_fit();
    size_ = 0;
  }

  /// The value stored under `key`, or null.
  template <class Probe>
  const Value* find(const Probe& key) const {
    auto [li, pos, found] = locate(key);
    return found ? &leaves_[li][pos].second : nullptr;
  }

  template <class Probe>
  Value* find(const Probe& key) {
    auto [li, pos, found] = locate(key);
    return found ? &leaves_[li][pos].second : nullptr;
  }

  template <class Probe>
  bool contains(const Probe& key) const {
    return find(key) != nullptr;
  }

  /// Stores `value` under `key`, replacing a present value.
  void insert_or_assign(Key key, Value value) {
    auto [li, pos, found] = locate(View::view(key));
    if (found)
      leaves_[li][pos].second = std::move(value);
    else
      insert_at(li, pos, std::move(key), std::move(value));
  }

  /// The value under `key`, first storing `value` there if absent.
  Value& try_emplace(Key key, Value value) {
    auto [li, pos, found] = locate(View::view(key));
    if (found)
      return leaves_[li][pos].second;
    return insert_at(li, pos, std::move(key), std::move(value));
  }

  /// Removes `key`; the removed value if it was present.
  template <class Probe>
  std::optional<Value> erase(const Probe& key) {
    auto [li, pos, found] = locate(key);
    if (!found)
      return std::nullopt;
    auto& lf = leaves_[li];
    std::optional<Value> removed{std::move(lf[pos].second)};
    lf.erase(lf.begin() + static_cast<std::ptrdiff_t>(pos));
    --size_;
    rebalance_after_erase(li);
    return removed;
  }

  /// Appends a pair whose key is greater than every present key, or inserts
  /// it in order otherwise (used when loading sorted input).
  void push_back_or_insert(Key key, Value value) {
    if (!leaves_.empty() && !leaves_.back().empty()
        && View::view(leaves_.back().back().first) < View::view(key)) {
      auto li = leaves_.size() - 1;
      insert_at(li, leaves_[li].size(), std::move(key), std::move(value));
      return;
    }
    insert_or_assign(std::move(key), std::move(value));
  }

private:
  struct location {
    size_t li;
    size_t pos;
    bool found;
  };

  // The leaf that holds `key` or would receive it, and the position in it.
  template <class Probe>
  location locate(const Probe& key) const {
    if (leaves_.empty())
      return {0, 0, false};
    // The first leaf whose first key is greater than `key`; `key` belongs
    // to the leaf before it (or to the first leaf).
    auto next = std::upper_bound(leaves_.begin() + 1, leaves_.end(), key,
                                 [](const Probe& k, const leaf& lf) {
                                   return k < View::view(lf.front().first);
                                 });
    auto li = static_cast<size_t>(next - leaves_.begin()) - 1;
    auto& lf = leaves_[li];
    auto i = std::lower_bound(lf.begin(), lf.end(), key,
                              [](const value_type& x, const Probe& k) {
                                return View::view(x.first) < k;
                              });
    auto pos = static_cast<size_t>(i - lf.begin());
    bool found = i != lf.end() && !(key < View::view(i->first));
    return {li, pos, found};
  }

  Value& insert_at(size_t li, size_t pos, Key&& key, Value&& value) {
    ++size_;
    if (leaves_.empty()) {
      leaves_.emplace_back();
      leaves_[0].emplace_back(std::move(key), std::move(value));
      return leaves_[0][0].second;
    }
    if (leaves_[li].size() < leaf_capacity)
      return emplace_in(li, pos, std::move(key), std::move(value));
    // A full leaf. In front of it, the previous leaf may have room.
    if (pos == 0 && li > 0 && leaves_[li - 1].size() < leaf_capacity)
      return emplace_in(li - 1, leaves_[li - 1].size(), std::move(key),
                        std::move(value));
    // Past its end: the next leaf's front, or a new leaf (so keys arriving
    // in order fill every leaf).
    if (pos == leaf_capacity) {
      if (li + 1 < leaves_.size() && leaves_[li + 1].size() < leaf_capacity)
        return emplace_in(li + 1, 0, std::move(key), std::move(value));
      leaves_.emplace(leaves_.begin() + static_cast<std::ptrdiff_t>(li + 1));
      return emplace_in(li + 1, 0, std::move(key), std::move(value));
    }
    // Otherwise split it in halves.
    auto half = leaf_capacity / 2;
    leaf upper;
    upper.reserve(leaf_capacity);
    auto& lower = leaves_[li];
    upper.insert(upper.end(),
                 std::make_move_iterator(lower.begin()
                                         + static_cast<std::ptrdiff_t>(half)),
                 std::make_move_iterator(lower.end()));
    lower.resize(half);
    leaves_.emplace(leaves_.begin() + static_cast<std::ptrdiff_t>(li + 1),
                    std::move(upper));
    if (pos <= half)
      return emplace_in(li, pos, std::move(key), std::move(value));
    return emplace_in(li + 1, pos - half, std::move(key), std::move(value));
  }

  Value& emplace_in(size_t li, size_t pos, Key&& key, Value&& value) {
    auto& lf = leaves_[li];
    if (lf.capacity() == lf.size())
      lf.reserve(std::min(leaf_capacity, std::max<size_t>(4, 2 * lf.size())));
    auto i = lf.emplace(lf.begin() + static_cast<std::ptrdiff_t>(pos),
                        std::move(key), std::move(value));
    return i->second;
  }

  // Drops an empty leaf; merges a leaf under a quarter full into a
  // neighbour with room, so that erasures do not leave a trail of sparse
  // leaves.
  void rebalance_after_erase(size_t li) {
    auto& lf = leaves_[li];
    if (lf.empty()) {
      leaves_.erase(leaves_.begin() + static_cast<std::ptrdiff_t>(li));
      return;
    }
    if (lf.size() >= leaf_capacity / 4)
      return;
    auto merge = [this](size_t into) {
      auto& dst = leaves_[into];
      auto& src = leaves_[into + 1];
      if (dst.size() + src.size() > leaf_capacity * 3 / 4)
        return false;
      dst.insert(dst.end(), std::make_move_iterator(src.begin()),
                 std::make_move_iterator(src.end()));
      leaves_.erase(leaves_.begin() + static_cast<std::ptrdiff_t>(into + 1));
      return true;
    };
    if (li > 0 && merge(li - 1))
      return;
    if (li + 1 < leaves_.size())
      merge(li);
  }

  std::vector<leaf> leaves_;
  size_t size_ = 0;
};

} // namespace flexsync::detail
