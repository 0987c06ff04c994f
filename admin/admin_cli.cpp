#include "admin/admin_cli.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "actors/transport/wire/tcp_socket.hpp"

namespace flexsync::admin {

namespace {

struct command_spelling {
  const char* word;
  command cmd;
  /// 0: no argument, 1: one, 2: an optional one.
  int arity;
};

constexpr command_spelling commands[] = {
  {"status", command::status, 0},
  {"add", command::add, 1},
  {"remove", command::remove, 1},
  {"add-learner", command::add_learner, 1},
  {"add_learner", command::add_learner, 1},
  {"set-version", command::set_version, 1},
  {"set_version", command::set_version, 1},
  {"transfer", command::transfer, 2},
  {"compact", command::compact, 0},
  {"health", command::health, 0},
  {"metrics", command::metrics, 0},
};

const command_spelling* find_command(const std::string& word) {
  for (auto& c : commands)
    if (word == c.word)
      return &c;
  return nullptr;
}

template <class T>
bool parse_integer(const std::string& x, T& out) {
  auto* end = x.data() + x.size();
  auto [ptr, ec] = std::from_chars(x.data(), end, out);
  return !x.empty() && ec == std::errc{} && ptr == end;
}

/// The parser's state between arguments.
struct parser {
  cli_parse result;
  cli_options opts;
  std::optional<command> cmd;
  std::vector<std::string> positional;

  bool fail(std::string why, bool address = false) {
    if (result.error.empty()) {
      result.error = std::move(why);
      result.bad_address = address;
    }
    return false;
  }

  bool set_command(command c, std::optional<std::string> arg) {
    if (cmd)
      return fail(std::string{"give one command (got "} + to_string(*cmd)
                  + " and " + to_string(c) + ")");
    cmd = c;
    if (arg)
      positional.push_back(*arg);
    return true;
  }

  bool flag(const std::string& name, const std::string& raw);
  bool option(const std::string& name, const std::string& raw,
              const std::string& value);
  bool finish();
};

/// Options without a value.
bool parser::flag(const std::string& name, const std::string& raw) {
  if (name == "json")
    opts.json = true;
  else if (name == "timings")
    opts.timings = true;
  else if (name == "help" || name == "h")
    result.help = true;
  else if (name == "status")
    return set_command(command::status, std::nullopt);
  else
    return fail("unknown option " + raw);
  return true;
}

bool parser::option(const std::string& name, const std::string& raw,
                    const std::string& value) {
  if (name == "conn") {
    opts.conn = value;
  } else if (name == "password-file") {
    opts.password_file = value;
  } else if (name == "pass") {
    opts.password = value;
  } else if (name == "timeout") {
    char* end = nullptr;
    auto t = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(t) || t <= 0
        || t > 86400)
      return fail(raw + " needs a number of seconds (0 < s <= 86400), got '"
                  + value + "'");
    opts.timeout_seconds = t;
  } else if (name == "max-lag") {
    if (!parse_integer(value, opts.max_lag))
      return fail(raw + " needs a number of entries, got '" + value + "'");
  } else if (name == "add") {
    return set_command(command::add, value);
  } else if (name == "remove") {
    return set_command(command::remove, value);
  } else if (name == "set_version" || name == "set-version") {
    return set_command(command::set_version, value);
  } else {
    return fail("unknown option " + raw);
  }
  return true;
}

bool takes_value(const std::string& name) {
  for (auto* x : {"conn", "password-file", "pass", "timeout", "max-lag", "add",
                  "remove", "set_version", "set-version"})
    if (name == x)
      return true;
  return false;
}

bool parser::finish() {
  if (!cmd) {
    if (positional.empty())
      return fail("no command given (status, add, remove, add-learner, "
                  "set-version, transfer, compact, health, metrics)");
    auto* c = find_command(positional.front());
    if (!c)
      return fail("unknown command '" + positional.front() + "'");
    cmd = c->cmd;
    positional.erase(positional.begin());
  }
  opts.cmd = *cmd;
  int arity = 0;
  for (auto& c : commands)
    if (c.cmd == opts.cmd)
      arity = c.arity;
  if (positional.size() > (arity == 0 ? 0u : 1u))
    return fail(std::string{"too many arguments for "} + to_string(opts.cmd));
  if (arity == 1 && positional.empty())
    return fail(std::string{to_string(opts.cmd)} + " needs an argument");
  if (!positional.empty())
    opts.arg = positional.front();
  if (opts.conn.empty())
    return fail("--conn HOST:PORT is required");
  auto where = net::parse_address(opts.conn);
  if (!where)
    return fail("--conn: not a host:port address: '" + opts.conn + "'", true);
  opts.host = where->host;
  opts.port = where->port;
  if (opts.password && !opts.password_file.empty())
    return fail("give -pass or --password-file, not both");
  if (opts.cmd == command::set_version) {
    if (!parse_integer(opts.arg, opts.version))
      return fail("set-version needs a version number, got '" + opts.arg
                  + "'");
  } else if (!opts.arg.empty() && !net::parse_address(opts.arg)) {
    return fail("not a host:port address: '" + opts.arg + "'", true);
  }
  return true;
}

} // namespace

const char* to_string(command x) {
  switch (x) {
    case command::status:
      return "status";
    case command::add:
      return "add";
    case command::remove:
      return "remove";
    case command::add_learner:
      return "add-learner";
    case command::set_version:
      return "set-version";
    case command::transfer:
      return "transfer";
    case command::compact:
      return "compact";
    case command::health:
      return "health";
    default:
      return "metrics";
  }
}

const char* result_word(command x) {
  switch (x) {
    case command::status:
      return "STATUS";
    case command::add:
      return "ADD";
    case command::remove:
      return "REMOVE";
    case command::add_learner:
      return "ADD_LEARNER";
    case command::set_version:
      return "SET_VERSION";
    case command::transfer:
      return "TRANSFER";
    case command::compact:
      return "COMPACT";
    case command::health:
      return "HEALTH";
    default:
      return "METRICS";
  }
}

cli_parse parse_cli(const std::vector<std::string>& args) {
  parser p;
  for (size_t i = 0; i < args.size() && p.result.error.empty(); ++i) {
    auto& a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      p.positional.push_back(a);
      continue;
    }
    // "-conn" and "--conn" alike: PySyncObj uses one dash.
    auto body = a.substr(a[1] == '-' ? 2 : 1);
    auto eq = body.find('=');
    auto name = body.substr(0, eq);
    if (!takes_value(name)) {
      if (eq != std::string::npos)
        p.fail("option --" + name + " takes no value");
      else
        p.flag(name, a);
      continue;
    }
    if (eq != std::string::npos)
      p.option(name, a, body.substr(eq + 1));
    else if (i + 1 < args.size())
      p.option(name, a, args[++i]);
    else
      p.fail("option " + a + " needs a value");
  }
  if (p.result.help) {
    p.result.error.clear();
    return p.result;
  }
  if (p.result.error.empty() && p.finish())
    p.result.options = p.opts;
  return p.result;
}

std::string usage_text() {
  return R"(usage: flexsync-admin --conn HOST:PORT [options] COMMAND [ARG]

Talks to the admin port of a running flexsync-node (started with
--admin=HOST:PORT).

commands:
  status             the node's status as PySyncObj's "key: value" lines
  health             a short summary and a verdict; exit 1 when unhealthy
  metrics            the node's metrics as Prometheus text
  compact            take a snapshot now
  add ADDR           add ADDR (host:port) as a voter
  add-learner ADDR   add ADDR as a read-only member (learner)
  remove ADDR        remove ADDR (voter or learner)
  set-version N      enable code version N on the cluster (every voter must
                     support it; downgrades are refused)
  transfer [ADDR]    hand leadership to ADDR or to the best voter; returns
                     once the node asked knows the new leader

options:
  --conn HOST:PORT       the node's admin address (required)
  --password-file FILE   the cluster password is the file's first line
  --json                 status and health as one JSON object; other
                         commands as {"command", "ok", "reason", "detail"}
  --timeout SECONDS      bound of the whole command, connecting included
                         (default 10); a membership change gets the node's
                         answer within it
  --max-lag N            health: entries a commit or apply index may lag
                         (default 1000)
  --timings              print connect, login and request times to stderr
  --help                 this text

PySyncObj's spellings: -conn HOST:PORT, -pass PASSWORD, -status,
-add ADDR, -remove ADDR, -set_version N, -timeout SECONDS.

Results: SUCCESS ADD ADDR on stdout; on failure exactly one line on
stderr, e.g. FAIL REMOVE ADDR: request_denied: <the node's reason>.

exit codes:
  0  success (health: healthy)
  1  the node refused or failed the command, or is unhealthy
  2  bad arguments or a bad address
  3  the node is unreachable (nothing listens, not an admin port, the
     connection dropped)
  4  authentication: wrong password, or the node needs one
  5  another membership change is in progress
  6  timeout: no answer within --timeout (the outcome of a change is
     unknown; asking again is safe)
)";
}

std::optional<admin_endpoint> parse_admin_option(const std::string& x) {
  auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == s.npos;
  };
  auto full = x;
  if (digits(x))
    full = "127.0.0.1:" + x;
  else if (!x.empty() && x[0] == ':' && digits(x.substr(1)))
    full = "127.0.0.1" + x;
  auto where = net::parse_address(full);
  if (!where)
    return std::nullopt;
  return admin_endpoint{where->host, where->port};
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::optional<std::string> read_password_file(const std::string& path) {
  std::ifstream in{path};
  std::string line;
  if (!in || !std::getline(in, line))
    return std::nullopt;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  if (line.empty())
    return std::nullopt;
  return line;
}

} // namespace flexsync::admin
