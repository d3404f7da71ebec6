/* An in-memory provider backend (provider/backend.h) for controller tests:
 * container groups kept in a table, a call counter per operation, scripted
 * state (a group's status, its events, groups made outside the bridge), and
 * fault injection in the manner of SQLite's: fail the Nth call, once
 * (transient) or from then on (persistent), optionally after the call took
 * effect (a lost answer). Thread-safe. */
#ifndef TESTS_FAKE_BACKEND_H
#define TESTS_FAKE_BACKEND_H

#include <stddef.h>

#include "eci/error.h"
#include "provider/backend.h"

typedef enum {
    FB_CREATE,
    FB_UPDATE,
    FB_DELETE,
    FB_DESCRIBE,
    FB_LIST,  /* the Go provider's groups (list_legacy) */
    FB_STATUS,
    FB_EVENTS,
    FB_FIND,
    FB_PING,  /* DescribeRegions, the health probe */
    FB_USAGE, /* ListUsage: 64 vCPU of quota */
    FB_ANY,  /* every operation */
} fb_op;

typedef struct fake_backend fake_backend;

/* A backend for the node whose identity tags are cluster and node (the
 * names; shortened like the bridge does). */
fake_backend *fb_new(const char *cluster, const char *node);
void fb_free(fake_backend *f);
const prov_backend *fb_backend(fake_backend *f);

/* Calls of op (FB_ANY: of every operation) so far, failed ones included. */
unsigned fb_calls(fake_backend *f, fb_op op);
/* Fail the nth call of op from now on (1 = the next one): with code (0:
 * ECI_E_UNAVAILABLE, a transient error); persistent: that call and every
 * later one; lost: the call takes effect, then reports the failure. */
void fb_fail(fake_backend *f, fb_op op, unsigned nth, int persistent, int lost, eci_code code);
/* Stop failing. */
void fb_heal(fake_backend *f);

/* Groups that exist (not deleted). */
size_t fb_count(fake_backend *f);
/* Groups that exist carrying the uid tag. */
size_t fb_count_uid(fake_backend *f, const char *uid);
/* The id of a group carrying the uid tag (caller frees), or NULL. */
char *fb_group_of(fake_backend *f, const char *uid);
/* A tag value of a group (caller frees), or NULL. */
char *fb_tag(fake_backend *f, const char *group_id, const char *key);
/* Set a group's status ("Running", "Succeeded", "Failed", ...). */
void fb_set_status(fake_backend *f, const char *group_id, const char *status);
/* Add an event to a group (shown by describe and by events_since). */
void fb_add_event(fake_backend *f, const char *group_id, const char *type, const char *reason, const char *message,
                  long count);
/* A group made outside the bridge with the identity tags of (ns, name, uid)
 * on this node; returns its id (caller frees). */
char *fb_add_group(fake_backend *f, const char *ns, const char *name, const char *uid, const char *status);
/* Remove a group behind the bridge's back (expired, deleted in the console). */
void fb_remove(fake_backend *f, const char *group_id);
/* Hold every describe until k describes are in progress at once (or 30 s
 * passed), once; then let every describe through (k <= 1: no gate). A
 * controller that describes batches in parallel opens the gate at once; one
 * that describes them in turn waits 30 s per call. */
void fb_gate_describes(fake_backend *f, unsigned k);
/* The most describes in progress at one time so far. */
unsigned fb_describe_peak(fake_backend *f);
/* Call fn(arg) at the start of every call of op (not FB_ANY), outside the
 * fake's lock, until set again (fn NULL: none): something happening while
 * a controller is inside that call. */
void fb_on_call(fake_backend *f, fb_op op, void (*fn)(void *arg), void *arg);

#endif
