#include "scenarios/check/models.hpp"

#include <algorithm>

#include "protocol/assert.hpp"

namespace flexsync::check {

namespace {

using transition = deterministic_model::transition;

[[noreturn]] void unknown_kind(const model& m, const op_input& input) {
  FLEXSYNC_ASSERT(false, "the " + m.name() + " model has no op "
                           + describe(input));
  __builtin_unreachable();
}

transition answer(op_output output, model_state next) {
  return {std::move(output), std::move(next)};
}

} // namespace

std::optional<transition>
register_model::apply(const model_state& state, const op_input& input) const {
  auto value = state.at(0);
  switch (input.kind) {
    case op_kind::write:
      return answer({}, {input.arg});
    case op_kind::read:
      return answer(returns(value), state);
    case op_kind::cas:
      if (value != input.arg)
        return answer(returns_flag(false), state);
      return answer(returns_flag(true), {input.arg2});
    default:
      unknown_kind(*this, input);
  }
}

std::optional<transition>
counter_model::apply(const model_state& state, const op_input& input) const {
  auto value = state.at(0);
  switch (input.kind) {
    case op_kind::add:
      return answer({}, {value + input.arg});
    case op_kind::fetch_add:
      return answer(returns(value), {value + input.arg});
    case op_kind::read:
      return answer(returns(value), state);
    default:
      unknown_kind(*this, input);
  }
}

std::optional<transition>
dict_model::apply(const model_state& state, const op_input& input) const {
  switch (input.kind) {
    case op_kind::put:
      return answer({}, {input.arg});
    case op_kind::get:
      return answer(state.empty() ? returns_nil() : returns(state[0]), state);
    case op_kind::erase:
      return answer({}, {});
    default:
      unknown_kind(*this, input);
  }
}

std::optional<transition>
set_model::apply(const model_state& state, const op_input& input) const {
  auto pos = std::lower_bound(state.begin(), state.end(), input.arg);
  bool present = pos != state.end() && *pos == input.arg;
  auto next = state;
  switch (input.kind) {
    case op_kind::add:
      if (!present)
        next.insert(next.begin() + (pos - state.begin()), input.arg);
      return answer({}, std::move(next));
    case op_kind::remove:
      if (present)
        next.erase(next.begin() + (pos - state.begin()));
      return answer({}, std::move(next));
    case op_kind::contains:
      return answer(returns_flag(present), state);
    case op_kind::read_all:
      return answer(returns_values(state), state);
    default:
      unknown_kind(*this, input);
  }
}

std::optional<transition>
queue_model::apply(const model_state& state, const op_input& input) const {
  switch (input.kind) {
    case op_kind::push: {
      auto next = state;
      next.push_back(input.arg);
      return answer({}, std::move(next));
    }
    case op_kind::pop:
      if (state.empty())
        return answer(returns_nil(), state);
      return answer(returns(state.front()),
                    model_state(state.begin() + 1, state.end()));
    default:
      unknown_kind(*this, input);
  }
}

std::optional<transition>
lock_model::apply(const model_state& state, const op_input& input) const {
  bool held = !state.empty();
  switch (input.kind) {
    case op_kind::acquire:
      // Blocking: an acquire on a held lock cannot complete here, only
      // after a release.
      if (held)
        return std::nullopt;
      return answer({}, {input.arg});
    case op_kind::try_acquire:
      if (held)
        return answer(returns_flag(false), state);
      return answer(returns_flag(true), {input.arg});
    case op_kind::release:
      if (!held || state[0] != input.arg)
        return answer(returns_flag(false), state);
      return answer(returns_flag(true), {});
    default:
      unknown_kind(*this, input);
  }
}

} // namespace flexsync::check
