#include "scenarios/check/op.hpp"

#include <algorithm>
#include <array>

namespace flexsync::check {

namespace {

struct kind_traits {
  const char* name;
  int arity;
  result_shape shape;
};

// Indexed by op_kind; the order must match the enum.
constexpr std::array<kind_traits, 16> traits{{
  {"write", 1, result_shape::nothing},
  {"read", 0, result_shape::value},
  {"cas", 2, result_shape::flag},
  {"add", 1, result_shape::nothing},
  {"fetch_add", 1, result_shape::value},
  {"put", 1, result_shape::nothing},
  {"get", 0, result_shape::value},
  {"erase", 0, result_shape::nothing},
  {"remove", 1, result_shape::nothing},
  {"contains", 1, result_shape::flag},
  {"read_all", 0, result_shape::values},
  {"push", 1, result_shape::nothing},
  {"pop", 0, result_shape::value},
  {"acquire", 1, result_shape::nothing},
  {"release", 1, result_shape::flag},
  {"try_acquire", 1, result_shape::flag},
}};

static_assert(static_cast<size_t>(op_kind::try_acquire) + 1 == traits.size());

const kind_traits& traits_of(op_kind kind) {
  return traits[static_cast<size_t>(kind)];
}

} // namespace

std::string to_string(op_kind kind) {
  return traits_of(kind).name;
}

int arity(op_kind kind) {
  return traits_of(kind).arity;
}

result_shape shape(op_kind kind) {
  return traits_of(kind).shape;
}

std::string describe(const op_input& input) {
  auto result = to_string(input.kind) + "(";
  if (arity(input.kind) >= 1)
    result += std::to_string(input.arg);
  if (arity(input.kind) == 2)
    result += ", " + std::to_string(input.arg2);
  return result + ")";
}

std::string describe(op_kind kind, const op_output& output) {
  switch (shape(kind)) {
    case result_shape::nothing:
      return "ok";
    case result_shape::value:
      return output.value ? std::to_string(*output.value) : "nil";
    case result_shape::flag:
      if (!output.value)
        return "nil";
      return *output.value != 0 ? "true" : "false";
    case result_shape::values: {
      std::string result = "{";
      for (size_t i = 0; i < output.values.size(); ++i)
        result += (i > 0 ? "," : "") + std::to_string(output.values[i]);
      return result + "}";
    }
  }
  return "?";
}

op_input write(int64_t v) {
  return {op_kind::write, v};
}
op_input read() {
  return {op_kind::read};
}
op_input cas(int64_t expected, int64_t desired) {
  return {op_kind::cas, expected, desired};
}
op_input add(int64_t d) {
  return {op_kind::add, d};
}
op_input fetch_add(int64_t d) {
  return {op_kind::fetch_add, d};
}
op_input put(int64_t v) {
  return {op_kind::put, v};
}
op_input get() {
  return {op_kind::get};
}
op_input erase() {
  return {op_kind::erase};
}
op_input remove(int64_t e) {
  return {op_kind::remove, e};
}
op_input contains(int64_t e) {
  return {op_kind::contains, e};
}
op_input read_all() {
  return {op_kind::read_all};
}
op_input push(int64_t v) {
  return {op_kind::push, v};
}
op_input pop() {
  return {op_kind::pop};
}
op_input acquire(int64_t owner) {
  return {op_kind::acquire, owner};
}
op_input release(int64_t owner) {
  return {op_kind::release, owner};
}
op_input try_acquire(int64_t owner) {
  return {op_kind::try_acquire, owner};
}

op_output returns(int64_t v) {
  return {v, {}};
}
op_output returns_nil() {
  return {};
}
op_output returns_flag(bool b) {
  return {b ? 1 : 0, {}};
}
op_output returns_values(std::vector<int64_t> vs) {
  // A set has no order; the model answers ascending, so compare that way.
  std::sort(vs.begin(), vs.end());
  return {std::nullopt, std::move(vs)};
}

} // namespace flexsync::check
