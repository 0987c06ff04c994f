#include "scenarios/sim/battery_model.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "scenarios/sim/checker.hpp"

namespace flexsync::sim {

namespace {

uint64_t fnv1a(const std::vector<char>& bytes) {
  uint64_t h = 14695981039346656037ull;
  for (auto c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

/// Python's rule for a position (negative counts from the end); nothing
/// outside [0, size). Written here again, not taken from the batteries.
std::optional<size_t> python_position(int64_t pos, size_t size) {
  auto n = static_cast<int64_t>(size);
  if (pos < 0)
    pos += n;
  if (pos < 0 || pos >= n)
    return std::nullopt;
  return static_cast<size_t>(pos);
}

/// Python's rule for insert: clamped to [0, size].
size_t python_insert_position(int64_t pos, size_t size) {
  auto n = static_cast<int64_t>(size);
  if (pos < 0)
    pos = std::max<int64_t>(pos + n, 0);
  return static_cast<size_t>(std::min(pos, n));
}

int pick(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>{lo, hi}(rng);
}

std::string key(std::mt19937_64& rng, char prefix) {
  return std::string(1, prefix) + std::to_string(pick(rng, 0, 5));
}

} // namespace

// -- sim_batteries
// --------------------------------------------------------------

std::vector<replicated_object*> sim_batteries::objects() {
  return {&counter, &dict, &list, &set, &queue};
}

std::vector<uint64_t> sim_batteries::digest() {
  std::vector<uint64_t> result;
  for (auto* obj : objects()) {
    std::vector<char> buf;
    caf::binary_serializer sink{nullptr, buf};
    result.push_back(obj->save(sink) ? 0 : fnv1a(buf));
  }
  return result;
}

namespace {

/// Every random draw of one battery call, made before any call in a fixed
/// order (the order in which function arguments are evaluated is
/// unspecified).
struct random_args {
  int op;
  bool rare;
  std::string k, k2, v, v2, e, e2;
  int64_t n, x, y, pos;
};

void call_counter(repl_counter& counter, const random_args& a) {
  switch (a.op % 4) {
  case 0:
    counter.add(a.n).post();
    break;
  case 1:
    counter.sub(a.n).post();
    break;
  case 2:
    counter.inc().post();
    break;
  default:
    counter.set(a.n * 20).post();
  }
}

void call_dict(repl_dict<std::string, std::string>& dict,
               const random_args& a) {
  switch (a.op) {
  case 0:
    dict.setdefault(a.k, a.v).post();
    break;
  case 1:
    dict.pop(a.k).post();
    break;
  case 2:
    dict.pop(a.k, "none").post();
    break;
  case 3:
    dict.update({{a.k, a.v}, {a.k2, a.v2}}).post();
    break;
  case 4:
    if (a.rare)
      dict.clear().post();
    else
      dict.set_item(a.k, a.v).post();
    break;
  default:
    dict.set(a.k, a.v).post();
  }
}

void call_list(repl_list<int64_t>& list, const random_args& a) {
  switch (a.op) {
  case 0:
    list.insert(a.pos, a.x).post();
    break;
  case 1:
    list.pop().post();
    break;
  case 2:
    list.pop(a.pos).post();
    break;
  case 3:
    list.remove(a.x).post();
    break;
  case 4:
    list.set(a.pos, a.x).post();
    break;
  case 5:
    list.extend({a.x, a.y}).post();
    break;
  case 6:
    list.sort(a.rare).post();
    break;
  default:
    list.append(a.x).post();
  }
}

void call_set(repl_set<std::string>& set, const random_args& a) {
  switch (a.op % 6) {
  case 0:
    set.remove(a.e).post();
    break;
  case 1:
    set.discard(a.e).post();
    break;
  case 2:
    set.pop().post();
    break;
  case 3:
    set.update({a.e, a.e2}).post();
    break;
  case 4:
    if (a.rare)
      set.clear().post();
    else
      set.add(a.e).post();
    break;
  default:
    set.add(a.e).post();
  }
}

void call_queue(repl_queue<int64_t>& queue, const random_args& a) {
  switch (a.op % 3) {
  case 0:
    queue.get().post();
    break;
  case 1:
    queue.get(-1).post();
    break;
  default:
    queue.put(a.x).post();
  }
}

} // namespace

void sim_batteries::random_call(std::mt19937_64& rng) {
  auto which = pick(rng, 0, 4);
  random_args a;
  a.op = pick(rng, 0, 8);
  a.rare = pick(rng, 0, 4) == 0;
  a.k = key(rng, 'k');
  a.k2 = key(rng, 'k');
  a.v = "v" + std::to_string(pick(rng, 0, 999));
  a.v2 = "v" + std::to_string(pick(rng, 0, 999));
  a.e = key(rng, 'e');
  a.e2 = key(rng, 'e');
  a.n = int64_t{pick(rng, -5, 5)};
  a.x = int64_t{pick(rng, 0, 9)};
  a.y = int64_t{pick(rng, 0, 9)};
  a.pos = int64_t{pick(rng, -4, 4)};
  switch (which) {
  case 0:
    return call_counter(counter, a);
  case 1:
    return call_dict(dict, a);
  case 2:
    return call_list(list, a);
  case 3:
    return call_set(set, a);
  default:
    return call_queue(queue, a);
  }
}

// -- battery_model
// --------------------------------------------------------------

bool battery_model::apply(uint32_t object, const caf::message& args) {
  if (args.empty() || !args.match_element<caf::atom_value>(0))
    return false;
  auto op = args.get_as<caf::atom_value>(0);
  if (object == 1)
    return apply_counter(op, args);
  if (!args.match_elements<caf::atom_value, std::vector<char>>())
    return false;
  auto& buf = args.get_as<std::vector<char>>(1);
  switch (object) {
  case 2:
    return apply_dict(op, buf);
  case 3:
    return apply_list(op, buf);
  case 4:
    return apply_set(op, buf);
  case 5:
    return apply_queue(op, buf);
  default:
    return false;
  }
}

bool battery_model::apply_counter(caf::atom_value op,
                                  const caf::message& args) {
  if (args.match_elements<caf::atom_value>() && op == caf::atom("inc")) {
    ++counter_;
    return true;
  }
  if (!args.match_elements<caf::atom_value, int64_t>())
    return false;
  auto x = args.get_as<int64_t>(1);
  if (op == caf::atom("set"))
    counter_ = x;
  else if (op == caf::atom("add"))
    counter_ += x;
  else if (op == caf::atom("sub"))
    counter_ -= x;
  else
    return false;
  return true;
}

bool battery_model::apply_dict(caf::atom_value op,
                               const std::vector<char>& buf) {
  using detail::unpack;
  std::string k, v;
  std::map<std::string, std::string> kvs;
  if ((op == caf::atom("set") || op == caf::atom("setitem")) &&
      unpack(buf, k, v))
    dict_[k] = v;
  else if (op == caf::atom("setdefault") && unpack(buf, k, v))
    dict_.try_emplace(k, v);
  else if (op == caf::atom("pop") && unpack(buf, k))
    dict_.erase(k);
  else if (op == caf::atom("popor") && unpack(buf, k, v))
    dict_.erase(k);
  else if (op == caf::atom("update") && unpack(buf, kvs))
    for (auto& [key, val] : kvs)
      dict_[key] = val;
  else if (op == caf::atom("reset") && unpack(buf, kvs))
    dict_ = kvs;
  else if (op == caf::atom("clear") && unpack(buf))
    dict_.clear();
  else
    return false;
  return true;
}

bool battery_model::apply_list(caf::atom_value op,
                               const std::vector<char>& buf) {
  using detail::unpack;
  int64_t pos = 0, x = 0;
  bool flag = false;
  std::vector<int64_t> xs;
  if ((op == caf::atom("set") || op == caf::atom("setitem")) &&
      unpack(buf, pos, x)) {
    if (auto i = python_position(pos, list_.size()))
      list_[*i] = x;
  } else if (op == caf::atom("append") && unpack(buf, x)) {
    list_.push_back(x);
  } else if (op == caf::atom("extend") && unpack(buf, xs)) {
    list_.insert(list_.end(), xs.begin(), xs.end());
  } else if (op == caf::atom("insert") && unpack(buf, pos, x)) {
    auto i = python_insert_position(pos, list_.size());
    list_.insert(list_.begin() + static_cast<ptrdiff_t>(i), x);
  } else if (op == caf::atom("remove") && unpack(buf, x)) {
    if (auto i = std::find(list_.begin(), list_.end(), x); i != list_.end())
      list_.erase(i);
  } else if (op == caf::atom("pop") || op == caf::atom("popat")) {
    pos = -1;
    if (op == caf::atom("pop") ? !unpack(buf) : !unpack(buf, pos))
      return false;
    if (auto i = python_position(pos, list_.size()))
      list_.erase(list_.begin() + static_cast<ptrdiff_t>(*i));
  } else if (op == caf::atom("sort") && unpack(buf, flag)) {
    if (flag)
      std::stable_sort(list_.begin(), list_.end(), std::greater<>{});
    else
      std::stable_sort(list_.begin(), list_.end());
  } else if (op == caf::atom("reset") && unpack(buf, xs)) {
    list_ = xs;
  } else {
    return false;
  }
  return true;
}

bool battery_model::apply_set(caf::atom_value op,
                              const std::vector<char>& buf) {
  using detail::unpack;
  std::string k;
  std::set<std::string> es;
  if (op == caf::atom("add") && unpack(buf, k))
    set_.insert(k);
  else if ((op == caf::atom("remove") || op == caf::atom("discard")) &&
           unpack(buf, k))
    set_.erase(k);
  else if (op == caf::atom("pop") && unpack(buf)) {
    if (!set_.empty())
      set_.erase(set_.begin());
  } else if (op == caf::atom("clear") && unpack(buf))
    set_.clear();
  else if (op == caf::atom("update") && unpack(buf, es))
    set_.insert(es.begin(), es.end());
  else if (op == caf::atom("reset") && unpack(buf, es))
    set_ = es;
  else
    return false;
  return true;
}

bool battery_model::apply_queue(caf::atom_value op,
                                const std::vector<char>& buf) {
  using detail::unpack;
  int64_t x = 0;
  uint64_t bound = 0;
  if (op == caf::atom("put") && unpack(buf, x, bound)) {
    if (bound == 0 || queue_.size() < bound)
      queue_.push_back(x);
  } else if ((op == caf::atom("get") && unpack(buf)) ||
             (op == caf::atom("getor") && unpack(buf, x))) {
    if (!queue_.empty())
      queue_.pop_front();
  } else {
    return false;
  }
  return true;
}

std::vector<uint64_t> battery_model::digest() {
  std::vector<uint64_t> result;
  auto add = [&](auto& x) {
    std::vector<char> buf;
    caf::binary_serializer sink{nullptr, buf};
    result.push_back(sink(x) ? 0 : fnv1a(buf));
  };
  add(counter_);
  add(dict_);
  add(list_);
  add(set_);
  add(queue_);
  return result;
}

// -- battery_checker
// ------------------------------------------------------------

battery_checker::battery_checker(caf::actor_system& sys, checker& report)
    : sys_(sys), report_(report) {
  digests_.push_back(model_.digest());
}

void battery_checker::attach(const node_id& id, sim_batteries* batteries) {
  nodes_[id] = batteries;
  diverged_.erase(id);
}

void battery_checker::detach(const node_id& id) {
  nodes_.erase(id);
}

void battery_checker::on_apply(const node_id& self, const log_entry& e) {
  auto next = digests_.size(); // the index the model applies next
  if (e.index.value > next) {
    report_.violation("batteries: " + self.name + " applies " +
                      to_string(e.index) + " before any node applied " +
                      std::to_string(next));
    return;
  }
  // Called before the node applies `e`: it holds the state after e - 1.
  compare(self, index_t{e.index.value - 1});
  if (e.index.value < next)
    return;
  if (e.kind == entry_kind::command) {
    uint32_t object = 0;
    caf::message args;
    caf::binary_deserializer source{sys_, e.data.data(), e.data.size()};
    if (!source(object, args) && object >= 1 && object <= 5) {
      if (model_.apply(object, args))
        ++commands_;
      else
        report_.violation("batteries: the model does not know command " +
                          caf::to_string(args) + " at " + to_string(e.index));
    }
  }
  digests_.push_back(model_.digest());
}

void battery_checker::on_restore(const node_id& self, index_t index) {
  if (index.value >= digests_.size()) {
    report_.violation("batteries: " + self.name + " restored snapshot " +
                      to_string(index) + " beyond every applied entry");
    return;
  }
  compare(self, index);
}

void battery_checker::end_check(const std::map<node_id, index_t>& applied) {
  for (auto& [id, index] : applied)
    if (nodes_.count(id) > 0 && index.value < digests_.size())
      compare(id, index);
}

void battery_checker::compare(const node_id& self, index_t index) {
  static constexpr const char* names[] = {"counter", "dict", "list", "set",
                                          "queue"};
  auto i = nodes_.find(self);
  if (i == nodes_.end() || diverged_.count(self) > 0)
    return;
  auto got = i->second->digest();
  auto& want = digests_.at(index.value);
  for (size_t k = 0; k < got.size(); ++k)
    if (got[k] != want[k]) {
      diverged_.insert(self);
      report_.violation("batteries: the " + std::string{names[k]} + " of " +
                        self.name + " after " + to_string(index) +
                        " differs from the sequential model");
      return;
    }
}

} // namespace flexsync::sim
