#include "actors/objects/replicated_object.hpp"

#include <typeinfo>

#include <algorithm>

#include <caf/sec.hpp>

#include "protocol/code_version.hpp"

namespace flexsync {

std::vector<caf::behavior> behavior_chain(const versioned_behavior& sets,
                                          uint32_t enabled) {
  std::vector<uint32_t> declared;
  for (auto& kv : sets)
    declared.push_back(kv.first);
  std::vector<caf::behavior> out;
  for (auto v : versions_in_effect(std::move(declared), enabled))
    out.push_back(sets.at(v));
  return out;
}

uint32_t highest_declared_version(const std::vector<versioned_behavior>& xs) {
  uint32_t out = 0;
  for (auto& sets : xs)
    if (!sets.empty())
      out = std::max(out, sets.rbegin()->first);
  return out;
}

caf::behavior replicated_object::make_behavior() {
  return {};
}

versioned_behavior replicated_object::make_versioned_behavior() {
  return {{0, make_behavior()}};
}

void replicated_object::on_code_version_changed(uint32_t, uint32_t) {
  // nop
}

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
