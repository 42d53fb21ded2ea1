/*
 * Strict plan parser. Like runc's nl_parse (libcontainer/nsenter/nsexec.c) it refuses anything it
 * does not understand: unknown version or opcode, an opcode outside its section, argument kinds
 * or arity that differ from OPCODE_SPECS, lengths beyond the README bounds, short or trailing bytes.
 * Nothing runs until the whole plan has been accepted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plan.h"

struct cursor {
  const uint8_t *p;
  size_t left;
  char *err;
  size_t errlen;
};

static int bad(struct cursor *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, c->errlen, fmt, ap);
  va_end(ap);
  return -1;
}

static int take(struct cursor *c, void *out, size_t n) {
  if (c->left < n) return -1;
  memcpy(out, c->p, n);
  c->p += n;
  c->left -= n;
  return 0;
}

static int read_full(int fd, void *buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = read(fd, (char *)buf + done, n - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    done += (size_t)r;
  }
  return 0;
}

static const struct opcode_spec *find_spec(uint16_t code) {
  for (size_t k = 0; k < OPCODE_SPEC_COUNT; k++)
    if (OPCODE_SPECS[k].code == code) return &OPCODE_SPECS[k];
  return NULL;
}

/* One wire arg: 'i' + i64, or 's' + u32 length + bytes. */
static int wire_arg(struct cursor *c, char want, int64_t *i, char **s, uint32_t *len) {
  uint8_t kind;
  if (take(c, &kind, 1) < 0) return -2;
  if (kind != (uint8_t)want) return -1;
  if (kind == 'i') return take(c, i, 8) < 0 ? -2 : 0;
  uint32_t n;
  if (take(c, &n, 4) < 0) return -2;
  if (n > PLAN_MAX_STRING || n > c->left) return -2;
  *s = malloc(n + 1);
  if (*s == NULL) return -2;
  memcpy(*s, c->p, n);
  (*s)[n] = 0;
  c->p += n;
  c->left -= n;
  *len = n;
  return 0;
}

static int parse_step(struct cursor *c, unsigned section, uint32_t index, struct step *st) {
  uint16_t code, argc;
  uint32_t origin;
  if (take(c, &code, 2) < 0 || take(c, &argc, 2) < 0 || take(c, &origin, 4) < 0)
    return bad(c, "truncated step header at %s[%u]", SECTION_NAMES[section], index);
  const struct opcode_spec *spec = find_spec(code);
  if (spec == NULL) return bad(c, "unknown opcode %u at %s[%u]", code, SECTION_NAMES[section], index);
  if (!(spec->section_mask & (1u << section)))
    return bad(c, "%s at %s[%u] is not allowed in that section", spec->name, SECTION_NAMES[section], index);
  if (argc > PLAN_MAX_ARGS) return bad(c, "%s at %s[%u]: %u args exceed %u", spec->name, SECTION_NAMES[section], index, argc, PLAN_MAX_ARGS);
  size_t nargs = strlen(spec->args);
  st->spec = spec;
  st->origin = origin;
  st->args = calloc(nargs + 1, sizeof(struct arg));
  if (st->args == NULL) return bad(c, "out of memory");
  uint32_t used = 0;
  for (size_t k = 0; k < nargs; k++) {
    char kind = spec->args[k];
    struct arg *a = &st->args[k];
    char scalar = kind == 's' ? 's' : 'i';
    int r = used < argc ? wire_arg(c, scalar, &a->i, &a->s, &a->len) : -1;
    used++;
    if (r == -2) return bad(c, "%s at %s[%u]: truncated arg %zu", spec->name, SECTION_NAMES[section], index, k);
    if (r < 0) return bad(c, "%s at %s[%u]: arg %zu must be '%c' (spec \"%s\")", spec->name, SECTION_NAMES[section], index, k, kind, spec->args);
    if (kind != 'S' && kind != 'I') continue;
    if (a->i < 0 || a->i > (int64_t)(argc - used))
      return bad(c, "%s at %s[%u]: arg %zu list count %lld does not fit the %u args", spec->name, SECTION_NAMES[section], index, k, (long long)a->i, argc);
    a->n = (uint32_t)a->i;
    if (kind == 'S') a->strv = calloc(a->n + 1, sizeof(char *));
    else a->intv = calloc(a->n + 1, sizeof(int64_t));
    if (a->strv == NULL && a->intv == NULL) return bad(c, "out of memory");
    for (uint32_t e = 0; e < a->n; e++, used++) {
      int64_t iv = 0;
      char *sv = NULL;
      uint32_t len = 0;
      r = wire_arg(c, kind == 'S' ? 's' : 'i', &iv, &sv, &len);
      if (r == -2) return bad(c, "%s at %s[%u]: truncated element %u of arg %zu", spec->name, SECTION_NAMES[section], index, e, k);
      if (r < 0) return bad(c, "%s at %s[%u]: element %u of arg %zu has the wrong kind", spec->name, SECTION_NAMES[section], index, e, k);
      if (kind == 'S') a->strv[e] = sv;
      else a->intv[e] = iv;
    }
  }
  if (used != argc) return bad(c, "%s at %s[%u]: %u args, spec \"%s\" takes %u", spec->name, SECTION_NAMES[section], index, argc, spec->args, used);
  return 0;
}

static uint32_t count_op(const struct plan *plan, unsigned section, int code) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < plan->count[section]; k++) n += plan->steps[section][k].spec->code == code;
  return n;
}

int plan_read(int fd, struct plan *plan, char *err, size_t errlen) {
  struct cursor c = { .err = err, .errlen = errlen };
  uint8_t header[12];
  if (read_full(fd, header, sizeof header) < 0) return bad(&c, "short read of the plan header");
  uint32_t magic, total;
  uint16_t version;
  memcpy(&magic, header, 4);
  memcpy(&version, header + 4, 2);
  memcpy(&total, header + 8, 4);
  if (magic != PLAN_MAGIC) return bad(&c, "bad magic 0x%08x", magic);
  if (version != PLAN_VERSION) return bad(&c, "unsupported plan version %u (this helper speaks %u)", version, PLAN_VERSION);
  if (total > PLAN_MAX_BYTES) return bad(&c, "plan of %u bytes exceeds %u", total, PLAN_MAX_BYTES);
  uint8_t *body = malloc(total ? total : 1);
  if (body == NULL) return bad(&c, "out of memory");
  if (read_full(fd, body, total) < 0) return bad(&c, "short read: plan body shorter than the %u bytes announced", total);
  c.p = body;
  c.left = total;
  for (unsigned s = 0; s < SECTION_COUNT; s++) {
    uint32_t n;
    if (take(&c, &n, 4) < 0) return bad(&c, "truncated before section %s", SECTION_NAMES[s]);
    if (n > PLAN_MAX_STEPS) return bad(&c, "section %s has %u steps, more than %u", SECTION_NAMES[s], n, PLAN_MAX_STEPS);
    plan->count[s] = n;
    plan->steps[s] = calloc(n + 1, sizeof(struct step));
    if (plan->steps[s] == NULL) return bad(&c, "out of memory");
    for (uint32_t k = 0; k < n; k++)
      if (parse_step(&c, s, k, &plan->steps[s][k]) < 0) return -1;
  }
  if (c.left != 0) return bad(&c, "%zu trailing bytes after the last section", c.left);
  /* FORK_INIT hands over to the INIT section, so anything after it in CHILD would never run. */
  for (uint32_t k = 0; k < plan->count[SECTION_CHILD]; k++)
    if (plan->steps[SECTION_CHILD][k].spec->code == OP_FORK_INIT && k + 1 != plan->count[SECTION_CHILD])
      return bad(&c, "FORK_INIT must be the last CHILD step");
  /* The stage0 <-> stage1 handshakes must pair up, or both stages would wait for ever. */
  static const struct { int wait, give, section_w, section_g; } pairs[] = {
    { OP_AWAIT_RELEASE, OP_RELEASE_CHILD, SECTION_CHILD, SECTION_PARENT },
    { OP_REQUEST_IDMAPS, OP_AWAIT_CHILD_USERNS, SECTION_CHILD, SECTION_PARENT },
    { OP_REQUEST_IDMAPS, OP_RESUME_CHILD, SECTION_CHILD, SECTION_PARENT },
    { OP_RECEIVE_MOUNT_SOURCES, OP_SEND_MOUNT_SOURCES, SECTION_CHILD, SECTION_PARENT },
    { OP_AWAIT_NET_DEVICES, OP_MOVE_NET_DEVICES, SECTION_CHILD, SECTION_PARENT },
  };
  for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
    uint32_t w = count_op(plan, pairs[k].section_w, pairs[k].wait), g = count_op(plan, pairs[k].section_g, pairs[k].give);
    if (w != g) return bad(&c, "%u %s step(s) in CHILD but %u %s in PARENT", w, find_spec((uint16_t)pairs[k].wait)->name, g, find_spec((uint16_t)pairs[k].give)->name);
  }
  /* ... and so must the fds stage0 sends for RECEIVE_MOUNT_SOURCES. */
  uint32_t sent = 0, taken = 0;
  for (uint32_t k = 0; k < plan->count[SECTION_PARENT]; k++)
    if (plan->steps[SECTION_PARENT][k].spec->code == OP_SEND_MOUNT_SOURCES) sent += plan->steps[SECTION_PARENT][k].args[0].n;
  for (uint32_t k = 0; k < plan->count[SECTION_CHILD]; k++)
    if (plan->steps[SECTION_CHILD][k].spec->code == OP_RECEIVE_MOUNT_SOURCES) taken += plan->steps[SECTION_CHILD][k].args[0].n;
  if (sent != taken) return bad(&c, "SEND_MOUNT_SOURCES sends %u fds but RECEIVE_MOUNT_SOURCES takes %u", sent, taken);
  if (plan->count[SECTION_INIT] > 0 &&
      (plan->count[SECTION_CHILD] == 0 || plan->steps[SECTION_CHILD][plan->count[SECTION_CHILD] - 1].spec->code != OP_FORK_INIT))
    return bad(&c, "INIT steps need FORK_INIT as the last CHILD step");
  free(body);
  return 0;
}
