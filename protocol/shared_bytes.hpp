#pragma once

/// @class flexsync::shared_bytes
/// An immutable byte string shared by its copies: copying one takes a
/// reference, not an allocation and a memcpy. A log entry's payload is
/// encoded once, on the node that submits it, and the same bytes then go to
/// the log store, every follower's frame, the journal and the apply.

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace flexsync {

class shared_bytes {
public:
  /// Empty.
  shared_bytes() = default;

  /// Takes `s` (moves its buffer, no copy).
  shared_bytes(std::string s) // NOLINT: implicit, as a string is one
    : p_(s.empty() ? nullptr
                   : std::make_shared<const std::string>(std::move(s))) {
    // nop
  }

  /// Copies `s`.
  shared_bytes(const char* s) : shared_bytes(std::string{s}) { // NOLINT
    // nop
  }

  /// The bytes as a string (the same object for every copy).
  const std::string& str() const { return p_ ? *p_ : empty_string(); }

  /// As str(), so a shared_bytes passes where a const std::string& does.
  operator const std::string&() const { return str(); } // NOLINT

  /// The bytes as a view.
  std::string_view view() const { return str(); }

  size_t size() const { return p_ ? p_->size() : 0; }
  bool empty() const { return size() == 0; }
  const char* data() const { return str().data(); }
  auto begin() const { return str().begin(); }
  auto end() const { return str().end(); }

  /// Equal bytes (not the same buffer).
  bool operator==(const shared_bytes& other) const {
    return p_ == other.p_ || view() == other.view();
  }
  bool operator==(std::string_view other) const { return view() == other; }
  /// Exact overloads, so comparing with a std::string or a literal is not
  /// ambiguous between the view and the conversion to const std::string&.
  bool operator==(const std::string& other) const { return view() == other; }
  bool operator==(const char* other) const { return view() == other; }

  /// CAF's inspect(): saved and loaded exactly as a std::string, so frames
  /// and journal records are unchanged.
  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f,
                                                 shared_bytes& x) {
    if constexpr (Inspector::reads_state) {
      return f(const_cast<std::string&>(x.str()));
    } else {
      std::string tmp;
      auto result = f(tmp);
      x = shared_bytes{std::move(tmp)};
      return result;
    }
  }

private:
  static const std::string& empty_string() {
    static const std::string empty;
    return empty;
  }

  std::shared_ptr<const std::string> p_;
};

inline std::ostream& operator<<(std::ostream& out, const shared_bytes& x) {
  return out << x.view();
}

} // namespace flexsync
