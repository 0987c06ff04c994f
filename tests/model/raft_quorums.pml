/*
 * Raft leader election and commit with a Flexible-Paxos quorum system, for
 * spin (issue 12, item 2). Run by tests/model/run_spin.sh, one ctest per
 * configuration (tests/model/CMakeLists.txt).
 *
 * Parameters (spin -D...):
 *   N         voters, 2..5 (default 3)
 *   Q1, Q2    counting quorums: an election quorum is any Q1 voters, a
 *             replication quorum any Q2 (default: majorities)
 *   GRID      1: a 2x2 grid instead (N = 4, voters row by row: rows {0,1}
 *             and {2,3} elect, columns {0,2} and {1,3} replicate)
 *   OWNED     0: Raft's shared terms, any node campaigns in any term;
 *             1: owned terms, term t belongs to voter (t-1) mod N alone
 *   MAXTERM   highest term (default 3)
 *   MAXLOG    log capacity (default 2)
 *   PERTERM   entries a leader appends in its term (default 1)
 *   MAXCAMP   campaigns in all (default: unbounded, 255), to bound n = 5
 *   COMMIT_OLD  1: a leader also commits entries of earlier terms by counting
 *             (the bug of Raft's Figure 8, to show the model finds it)
 *   SYM_LO    voters SYM_LO..N-1 are interchangeable (symmetry reduction,
 *             below); N turns it off (run_spin.sh does, for violations, so
 *             that trails name the real nodes)
 *
 * Properties (assertions; pan prints the failing one):
 *   (a) Election Safety: at most one leader per term
 *       ("assertion violated (leader_of[t]==255)");
 *   (b) Leader Completeness: every committed entry is in the log of every
 *       leader of a later term, checked when a leader is elected (against
 *       everything committed so far) and when an entry is committed (against
 *       the log of every leader of a later term so far); and State Machine
 *       Safety: no index is committed with two different entries
 *       ("assertion violated committed_ok").
 * Lines "MSC: ..." (printf) summarise a trail replayed with spin -t.
 *
 * What is abstracted (each step below is one atomic action of the only
 * process, chosen nondeterministically among all that are enabled):
 *  - Messages are not queued. A vote is the voter reading the candidate's
 *    term and log directly; that is exact because a candidate's log does not
 *    change while it is a candidate (a vote that reaches a candidate who
 *    moved on only binds the voter, which staying in its lower term does
 *    not; so only candidates still campaigning get votes). An append is the follower reading a
 *    prefix of any length of the log its sender had as leader of term t
 *    (ghost tlog[t]: a leader's log only grows, so every prefix of it is a
 *    message that may have been sent and still be in flight, also after the
 *    leader stepped down and lost entries). Messages may thus arrive late,
 *    in any order, twice or never; responses are delivered at once (the
 *    leader learns an ack when it is given, or never, if it is no longer
 *    leader of that term), which is one of the orders a network allows.
 *  - A follower accepts entries Raft's way: with a term not below its own,
 *    it keeps its log if it already holds the prefix, else it truncates at
 *    the first conflict and takes the prefix (the prevLogIndex check is
 *    folded in: by Log Matching, sending from index 1 gives the result of
 *    any accepted prevLogIndex).
 *  - Rejections that only raise the receiver's term, and heartbeats (an
 *    append without entries), are left out, and a candidate may campaign in any term above its own (shared) or any term
 *    it owns above its own (owned), which covers having heard of higher
 *    terms first: a node in a lower term, or one that did not step down, can
 *    do everything it could do in a higher term or as a follower (a vote
 *    request that is refused for its log likewise only raises the voter's
 *    term, and is left out). A candidate counts its votes at once: it leads
 *    as soon as they form an election quorum. Any node may time out and campaign, also a leader (a
 *    crash and restart: only currentTerm, votedFor and the log persist).
 *  - Commit: a leader commits, as soon as it learns it, the highest index of
 *    an entry of its own term that a replication quorum holds (Raft's
 *    §5.4.2 rule), which commits the prefix; followers' commit indexes and
 *    state machines are left out (they apply what leaders committed, so
 *    Leader Completeness and Log Matching give State Machine Safety).
 *  - No pre-vote, check-quorum, leases, snapshots or membership changes.
 */

#ifndef N
#define N 3
#endif
#ifndef GRID
#define GRID 0
#endif
#ifndef Q1
#define Q1 (N / 2 + 1)
#endif
#ifndef Q2
#define Q2 (N / 2 + 1)
#endif
#ifndef OWNED
#define OWNED 0
#endif
#ifndef MAXTERM
#define MAXTERM 3
#endif
#ifndef MAXLOG
#define MAXLOG 2
#endif
#ifndef MAXCAMP
#define MAXCAMP 255
#endif
#ifndef PERTERM
#define PERTERM 1
#endif

#define NONE 255
#define FOLLOWER 0
#define CANDIDATE 1
#define LEADER 2

/* Voters as bits of a byte; POP counts them. */
#define BIT(i) (1 << (i))
#define POP(m) (((m) & 1) + (((m) >> 1) & 1) + (((m) >> 2) & 1) + \
                (((m) >> 3) & 1) + (((m) >> 4) & 1))
#if GRID
/* 2x2 grid: a full row elects, a full column replicates. */
#define IS_Q1(m) (((m) & 3) == 3 || ((m) & 12) == 12)
#define IS_Q2(m) (((m) & 5) == 5 || ((m) & 10) == 10)
#else
#define IS_Q1(m) (POP(m) >= Q1)
#define IS_Q2(m) (POP(m) >= Q2)
#endif

/* Who may campaign in term t. */
#if OWNED
#define MAY_CAMPAIGN(i, t) (((t) - 1) % N == (i))
#else
#define MAY_CAMPAIGN(i, t) true
#endif

typedef Log { byte e[MAXLOG] };   /* the term of each entry, 0 past len */

/* Node state: persistent (term, votedFor, log) and volatile. */
byte term[N];
byte voted[N];          /* votedFor in term[i], NONE if none */
byte role[N];
byte llen[N];
Log log[N];
byte votes[N];          /* candidate: bits of the voters that granted */
byte match[N * N];      /* leader i: match[i*N+f], what f acknowledged */

/* Ghosts. */
byte leader_of[MAXTERM + 1];  /* the leader elected in term t, NONE if none */
byte tlen[MAXTERM + 1];       /* its log as leader of term t (only grows) */
Log tlog[MAXTERM + 1];
Log committed;                /* the term of each committed entry, 0: none */
Log cterm;                    /* the lowest term in which it was committed */
bool committed_ok = true;     /* (b) holds so far */
byte campaigns;               /* so far, at most MAXCAMP */

byte a, b, c, l, j, k, t, m;  /* scratch, zeroed after each step */

/* The last term of i's log. */
#define LAST(i) (llen[i] == 0 -> 0 : log[i].e[llen[i] - 1])

/* Raft counts replicas only for entries of the leader's own term (§5.4.2);
 * COMMIT_OLD=1 drops that rule, the bug of Raft's Figure 8, which the model
 * must then find. */
#ifndef COMMIT_OLD
#define COMMIT_OLD 0
#endif
#if COMMIT_OLD
#define OWN_TERM_ENTRY(c, k) true
#else
#define OWN_TERM_ENTRY(c, k) (log[c].e[(k) - 1] == term[c])
#endif

/* Leader c commits the highest entry of its own term that a replication
 * quorum holds (with the whole prefix); checks State Machine Safety and that
 * every leader of a later term (so far) holds the prefix. */
inline advance_commit(c) {
  k = llen[c];
  do
  :: k > 0 && OWN_TERM_ENTRY(c, k) ->
     m = BIT(c);
     j = 0;
     do
     :: j < N ->
        if
        :: j != c && match[c * N + j] >= k -> m = m | BIT(j)
        :: else
        fi;
        j++
     :: else -> break
     od;
     if
     :: IS_Q2(m) -> break
     :: else -> k--
     fi
  :: else -> k = 0; break
  od;
  if
  :: k > 0 ->
     j = 0;
     m = 0;   /* something newly committed */
     do
     :: j < k ->
        if
        :: committed.e[j] != 0 && committed.e[j] != log[c].e[j] ->
           committed_ok = false
        :: committed.e[j] == 0 -> m = 1
        :: else
        fi;
        committed.e[j] = log[c].e[j];
        if
        :: cterm.e[j] == 0 || cterm.e[j] > term[c] -> cterm.e[j] = term[c]
        :: else
        fi;
        j++
     :: else -> break
     od;
     if
     :: m -> printf("MSC: commit: leader %d of term %d commits %d entries\n",
                    c, term[c], k)
     :: else
     fi;
     t = term[c] + 1;
     do
     :: t <= MAXTERM ->
        if
        :: leader_of[t] != NONE ->
           if
           :: tlen[t] < k -> committed_ok = false
           :: else
           fi;
           j = 0;
           do
           :: j < k && j < tlen[t] ->
              if
              :: tlog[t].e[j] != log[c].e[j] -> committed_ok = false
              :: else
              fi;
              j++
           :: else -> break
           od
        :: else
        fi;
        t++
     :: else -> break
     od;
     if
     :: !committed_ok ->
        printf("MSC: a leader of a term after %d lacks them, or they differ from entries committed before\n",
               term[c])
     :: else
     fi;
     assert(committed_ok)     /* (b) */
  :: else
  fi
}

/* Candidate c with an election quorum of votes becomes leader. */
inline become_leader(c) {
  t = term[c];
  printf("MSC: elect: node %d leader of term %d (voters' bitmask %d)\n", c, t,
         votes[c]);
  assert(leader_of[t] == NONE);       /* (a) Election Safety */
  leader_of[t] = c;
  role[c] = LEADER;
  votes[c] = 0;
  tlen[t] = llen[c];
  k = 0;
  do
  :: k < MAXLOG -> tlog[t].e[k] = log[c].e[k]; k++
  :: else -> break
  od;
  /* It holds every entry committed in an earlier term. */
  k = 0;
  do
  :: k < MAXLOG ->
     if
     :: committed.e[k] != 0 && cterm.e[k] < t &&
        (llen[c] <= k || log[c].e[k] != committed.e[k]) ->
        printf("MSC: node %d lacks entry %d (term %d), committed in term %d\n",
               c, k + 1, committed.e[k], cterm.e[k]);
        committed_ok = false
     :: else
     fi;
     k++
  :: else -> break
  od;
  assert(committed_ok)                /* (b) Leader Completeness */
}

/* Node c times out and campaigns in term nt, voting for itself. */
inline campaign(c, nt) {
#if MAXCAMP < 255
  campaigns++;
#endif
  term[c] = nt;
  voted[c] = c;
  role[c] = CANDIDATE;
  votes[c] = BIT(c);
  j = 0;
  do
  :: j < N -> match[c * N + j] = 0; j++
  :: else -> break
  od;
  if
  :: IS_Q1(votes[c]) -> become_leader(c)
  :: else
  fi
}

/* Voter v may grant its vote to candidate c: it has not voted in c's term
 * for another, and c's log is at least as up to date (§5.4.1). */
#define CAN_VOTE(v, c) \
  (v != c && role[c] == CANDIDATE && (votes[c] & BIT(v)) == 0 && \
   (term[v] < term[c] || (term[v] == term[c] && voted[v] == NONE)) && \
   (LAST(c) > LAST(v) || (LAST(c) == LAST(v) && llen[c] >= llen[v])))

inline grant(v, c) {
  term[v] = term[c];
  voted[v] = c;
  role[v] = FOLLOWER;
  votes[v] = 0;
  votes[c] = votes[c] | BIT(v);
  if
  :: IS_Q1(votes[c]) -> become_leader(c)
  :: else
  fi
}

/* Leader c appends a client entry of its term. */
#define ENTRIES_OF_TERM(c) \
  ((llen[c] >= 1 && log[c].e[llen[c] - 1] == term[c]) + \
   (llen[c] >= 2 && log[c].e[llen[c] - 2] == term[c]) + \
   (llen[c] >= 3 && log[c].e[llen[c] - 3] == term[c]))

inline client_entry(c) {
  log[c].e[llen[c]] = term[c];
  llen[c]++;
  t = term[c];
  tlog[t].e[llen[c] - 1] = t;
  tlen[t] = llen[c];
  printf("MSC: append: leader %d of term %d has %d entries\n", c, t,
         llen[c]);
  advance_commit(c)
}

/* Follower f receives an append of term tt carrying the first kk entries of
 * tlog[tt]; the leader of tt learns the ack if it still is leader. */
inline accept_append(f, tt, kk) {
  if
  :: term[f] < tt -> voted[f] = NONE
  :: else
  fi;
  term[f] = tt;
  role[f] = FOLLOWER;
  votes[f] = 0;
  /* The first conflict (or missing entry) within the prefix. */
  j = 0;
  do
  :: j < kk && j < llen[f] && log[f].e[j] == tlog[tt].e[j] -> j++
  :: else -> break
  od;
  if
  :: j < kk ->   /* truncate there and take the prefix */
     do
     :: j < kk -> log[f].e[j] = tlog[tt].e[j]; j++
     :: else -> break
     od;
     llen[f] = kk;
     do
     :: j < MAXLOG -> log[f].e[j] = 0; j++
     :: else -> break
     od
  :: else        /* already holds the prefix: keeps what follows */
  fi;
  printf("MSC: accept: node %d takes %d entries of term %d's leader\n", f, kk,
         tt);
  l = leader_of[tt];
  if
  :: role[l] == LEADER && term[l] == tt ->
     if
     :: match[l * N + f] < kk -> match[l * N + f] = kk
     :: else
     fi;
     advance_commit(l)
  :: else
  fi
}

/* Symmetry reduction: voters SYM_LO..N-1 are interchangeable (a counting
 * system treats all voters alike; with owned terms, voters that own no term
 * up to MAXTERM never campaign). After each step they are sorted by their
 * term, role and log, renaming them everywhere (votedFor, vote sets, match
 * indexes, leaders of terms), so that states that differ only in the names
 * of such voters are stored once. A partial order: ties keep their order,
 * which only stores more states. Off (SYM_LO = N) for a grid. */
#ifndef SYM_LO
#if GRID
#define SYM_LO N
#elif OWNED
#define SYM_LO (MAXTERM < N -> MAXTERM : N)
#else
#define SYM_LO 0
#endif
#endif

#define KEY(x) ((((((((term[x] * 4 + role[x]) * 4 + llen[x]) * 8 + \
                 log[x].e[0]) * 8 + log[x].e[MAXLOG - 1]) * 8 + \
                log[x].e[(MAXLOG - 1) / 2]) * 8 + POP(votes[x])) * 2 + \
                (voted[x] == NONE)) * 2 + (voted[x] == x))
#define SWAPV(u, v) t = u; u = v; v = t
#define RENAME(v, x, y) if :: v == x -> v = y :: v == y -> v = x :: else fi

/* Exchanges the names of voters x and y = x + 1. */
inline swap_nodes(x, y) {
  SWAPV(term[x], term[y]);
  SWAPV(voted[x], voted[y]);
  SWAPV(role[x], role[y]);
  SWAPV(llen[x], llen[y]);
  SWAPV(votes[x], votes[y]);
  k = 0;
  do
  :: k < MAXLOG -> SWAPV(log[x].e[k], log[y].e[k]); k++
  :: else -> break
  od;
  k = 0;
  do
  :: k < N ->
     RENAME(voted[k], x, y);
     /* bits x and y of votes[k] */
     m = (votes[k] >> x) & 1;
     votes[k] = (votes[k] & ~(BIT(x) | BIT(y))) |
                (((votes[k] >> y) & 1) << x) | (m << y);
     SWAPV(match[x * N + k], match[y * N + k]);
     k++
  :: else -> break
  od;
  k = 0;
  do
  :: k < N -> SWAPV(match[k * N + x], match[k * N + y]); k++
  :: else -> break
  od;
  k = 0;
  do
  :: k <= MAXTERM -> RENAME(leader_of[k], x, y); k++
  :: else -> break
  od
}

inline canonicalize() {
  b = 0;
  do
  :: b + 1 < N - SYM_LO ->
     a = SYM_LO;
     do
     :: a + 1 < N ->
        if
        :: KEY(a) > KEY(a + 1) -> c = a + 1; swap_nodes(a, c)
        :: else
        fi;
        a++
     :: else -> break
     od;
     b++
  :: else -> break
  od
}

/* The steps' choices: each option is enabled only when its step changes
 * something, so no step is a no-op (N <= 5, MAXTERM <= 5, MAXLOG <= 3).
 * Options only for the nodes and terms that exist, for a smaller verifier. */
#if N > 3
#define NODE3(M, x) M(x, 3)
#define NODE3F(F) F(3)
#else
#define NODE3(M, x)
#define NODE3F(F)
#endif
#if N > 4
#define NODE4(M, x) M(x, 4)
#define NODE4F(F) F(4)
#else
#define NODE4(M, x)
#define NODE4F(F)
#endif
#if MAXTERM > 2
#define TERM3(M, x) M(x, 3)
#else
#define TERM3(M, x)
#endif
#if MAXTERM > 3
#define TERM4(M, x) M(x, 4)
#else
#define TERM4(M, x)
#endif
#if MAXTERM > 4
#define TERM5(M, x) M(x, 5)
#else
#define TERM5(M, x)
#endif
/* M(x, y) for every node y, for every term y. */
#define EACH_NODE(M, x) M(x, 0) M(x, 1) M(x, 2) NODE3(M, x) NODE4(M, x)
#define EACH_TERM(M, x) M(x, 1) M(x, 2) TERM3(M, x) TERM4(M, x) TERM5(M, x)
/* F(x) for every node x. */
#define FOR_NODES(F) F(0) F(1) F(2) NODE3F(F) NODE4F(F)

#define CAMPAIGN(x, y) \
  :: y > term[x] && MAY_CAMPAIGN(x, y) && campaigns < MAXCAMP -> \
     a = x; b = y
#define CAMPAIGNS(x) EACH_TERM(CAMPAIGN, x)
#define VOTE(x, y) \
  :: CAN_VOTE(x, y) -> a = x; b = y
#define VOTES(x) EACH_NODE(VOTE, x)
#define CLIENT(x) \
  :: role[x] == LEADER && llen[x] < MAXLOG && \
     ENTRIES_OF_TERM(x) < PERTERM -> a = x
#define APPEND(x, y) \
  :: leader_of[y] != NONE && leader_of[y] != x && term[x] <= y && \
     tlen[y] >= 1 -> a = x; b = y
#define APPENDS(x) EACH_TERM(APPEND, x)

init {
  d_step {
    a = 0;
    do
    :: a < N -> voted[a] = NONE; a++
    :: else -> break
    od;
    a = 0;
    do
    :: a <= MAXTERM -> leader_of[a] = NONE; a++
    :: else -> break
    od;
    a = 0
  }
end:
  do
  :: atomic {   /* node a times out and campaigns in term b */
       if
       FOR_NODES(CAMPAIGNS)
       fi;
       d_step {
         campaign(a, b);
         canonicalize();
         a = 0; b = 0; j = 0; k = 0; t = 0; m = 0
       }
     }
  :: atomic {   /* voter a grants its vote to candidate b */
       if
       FOR_NODES(VOTES)
       fi;
       d_step {
         grant(a, b);
         canonicalize();
         a = 0; b = 0; j = 0; k = 0; t = 0; m = 0
       }
     }
  :: atomic {   /* leader a appends a client entry */
       if
       FOR_NODES(CLIENT)
       fi;
       d_step {
         client_entry(a);
         canonicalize();
         a = 0; b = 0; j = 0; k = 0; t = 0; m = 0
       }
     }
  :: atomic {   /* node a receives the first c entries of term b's leader */
       if
       FOR_NODES(APPENDS)
       fi;
       if
       :: c = 1
       :: tlen[b] >= 2 -> c = 2
       :: tlen[b] >= 3 -> c = 3
       fi;
       d_step {
         accept_append(a, b, c);
         canonicalize();
         a = 0; b = 0; c = 0; l = 0; j = 0; k = 0; t = 0; m = 0
       }
     }
  od
}
