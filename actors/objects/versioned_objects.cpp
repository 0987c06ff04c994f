#include "actors/objects/versioned_objects.hpp"

#include <mutex>
#include <stdexcept>
#include <utility>

#include "protocol/assert.hpp"

namespace flexsync {

versioned_objects::versioned_objects(std::vector<replicated_object*> objects,
                                     std::vector<versioned_behavior> sets,
                                     uint32_t supported, changed_fn on_changed)
  : objects_(std::move(objects)), sets_(std::move(sets)),
    supported_(supported), on_changed_(std::move(on_changed)) {
  FLEXSYNC_ASSERT(objects_.size() == sets_.size(),
                  "handler sets for " + std::to_string(sets_.size())
                    + " of " + std::to_string(objects_.size()) + " objects");
  rebuild();
}

void versioned_objects::rebuild() {
  chains_.clear();
  for (auto& sets : sets_)
    chains_.push_back(behavior_chain(sets, enabled_));
}

std::optional<caf::message> versioned_objects::run(uint32_t index,
                                                   caf::message& args) {
  for (auto& b : chains_.at(index))
    if (auto result = b(args))
      return std::move(*result);
  return std::nullopt;
}

version_step versioned_objects::apply(const log_entry& e, const logger& log) {
  // The transport refuses version entries that name no version, and the
  // leader writes only valid ones.
  auto v = decode_code_version(e.data);
  FLEXSYNC_ASSERT(v.has_value(),
                  "version entry " + to_string(e.index) + " names no version");
  auto step = apply_version_entry(enabled_, *v, supported_);
  switch (step.what) {
    case version_step::kind::unsupported:
      // Running the old behaviours past this entry would make this replica
      // diverge from every other: stop before anything changes.
      throw std::runtime_error(
        "entry " + to_string(e.index) + " enables code version "
        + std::to_string(*v) + ", but this node supports code versions up to "
        + std::to_string(supported_) + ": it cannot apply it; upgrade it (or "
        + "raise its max_code_version) and restart it");
    case version_step::kind::change: {
      auto old = enabled_;
      enabled_ = step.next;
      rebuild();
      log.info("code version " + std::to_string(enabled_) + " enabled at "
               + to_string(e.index) + " (was " + std::to_string(old) + ")");
      run_hooks(e, old, log);
      notify(old, log);
      break;
    }
    default:
      break;
  }
  return step;
}

void versioned_objects::run_hooks(const log_entry& e, uint32_t old_version,
                                  const logger& log) {
  detail::node_context_guard context;
  apply_context entry{e.index.value, e.term.value, e.time};
  detail::apply_scope scope{entry};
  for (auto* m : objects_) {
    std::unique_lock<std::shared_mutex> guard{m->apply_mutex()};
    try {
      m->on_code_version_changed(old_version, enabled_);
    } catch (const std::exception& ex) {
      log.warning("on_code_version_changed of " + m->type_name()
                  + " threw: " + ex.what());
    }
  }
}

void versioned_objects::notify(uint32_t old_version, const logger& log) {
  if (!on_changed_)
    return;
  // PySyncObj's onCodeVersionChanged, in the node's context.
  detail::node_context_guard context;
  try {
    on_changed_(old_version, enabled_);
  } catch (const std::exception& ex) {
    log.warning(std::string{"exception in on_code_version_changed: "}
                + ex.what());
  }
}

std::optional<std::string> versioned_objects::adopt(uint32_t v,
                                                    const logger& log,
                                                    bool notify_user) {
  if (v > supported_)
    return "the snapshot holds state of code version " + std::to_string(v)
           + ", but this node supports code versions up to "
           + std::to_string(supported_)
           + "; upgrade it (or raise its max_code_version) and restart it";
  if (v == enabled_)
    return std::nullopt;
  auto old = std::exchange(enabled_, v);
  rebuild();
  if (notify_user)
    notify(old, log);
  return std::nullopt;
}

} // namespace flexsync
