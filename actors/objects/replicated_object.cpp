#include "actors/objects/replicated_object.hpp"

#include <typeinfo>

#include <caf/sec.hpp>

namespace flexsync {

caf::error replicated_object::save(caf::serializer&) {
  return caf::make_error(caf::sec::state_not_serializable,
                         "this replicated object does not implement save()");
}

std::string replicated_object::type_name() const {
  return typeid(*this).name();
}

caf::error replicated_object::load(caf::deserializer&) {
  return caf::make_error(caf::sec::state_not_serializable,
                         "this replicated object does not implement load()");
}

} // namespace flexsync

namespace flexsync::detail {

namespace {

thread_local int node_context_depth = 0;
thread_local const apply_context* current_apply_context = nullptr;

} // namespace

const apply_context* current_apply() {
  return current_apply_context;
}

apply_scope::apply_scope(const apply_context& ctx)
  : previous_(current_apply_context) {
  current_apply_context = &ctx;
}

apply_scope::~apply_scope() {
  current_apply_context = previous_;
}

bool in_node_context() {
  return node_context_depth > 0;
}

node_context_guard::node_context_guard() {
  ++node_context_depth;
}

node_context_guard::~node_context_guard() {
  --node_context_depth;
}

} // namespace flexsync::detail
