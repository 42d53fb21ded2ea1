/* The plan: parsed and fully validated before the first step runs (README.md "Plan wire format"). */
#ifndef BOCKER_PLAN_H
#define BOCKER_PLAN_H
#include <stdint.h>
#include "opcodes.h"

#define PLAN_MAX_BYTES (16u << 20)
#define PLAN_MAX_STEPS 4096u
#define PLAN_MAX_ARGS 1024u
#define PLAN_MAX_STRING (1u << 20)

/* One declared argument (kind letter in OPCODE_SPECS): i, s (NUL-terminated copy), S or I lists. */
struct arg {
  int64_t i;
  char *s;
  uint32_t len;
  char **strv;      /* S: NULL-terminated, ready for execve */
  int64_t *intv;    /* I */
  uint32_t n;       /* S/I element count */
};

struct step {
  const struct opcode_spec *spec;
  uint32_t origin;
  struct arg *args;
};

struct plan {
  struct step *steps[SECTION_COUNT];
  uint32_t count[SECTION_COUNT];
};

/* Reads header + body from fd and validates everything; on failure returns -1 with a reason in err. */
int plan_read(int fd, struct plan *plan, char *err, size_t errlen);

#endif
