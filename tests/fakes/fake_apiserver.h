/* A fake apiserver behind a real k8s_client (k8s_client_set_transport): the
 * pods of a k8s_store answer PATCH pods/status (a merge patch of status and
 * metadata.annotations with a uid precondition), DELETE pods, and the pod
 * collection's LIST and WATCH (every change numbered by a resourceVersion; a
 * watch from a compacted version gets 410), so a real k8s_informer can keep
 * its own store; Events are kept (POST, PATCH by name, AlreadyExists on a
 * repeated name); objects of any other kind (Nodes, Leases) are kept by
 * path: GET, POST, PUT with a resourceVersion check, PATCH (of the object
 * or its status) as a merge patch. Without an
 * informer, every change to a pod is applied to the fake's store with the
 * handlers given, as the informer's watch would, and that store serves as
 * the informer's. Requests can be made to fail like the fake backend's
 * calls: the Nth, once or from then on, with 503. Thread-safe. */
#ifndef TESTS_FAKE_APISERVER_H
#define TESTS_FAKE_APISERVER_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "k8s/client.h"
#include "k8s/informer.h"

typedef struct fake_api fake_api;

fake_api *fa_new(void);
void fa_free(fake_api *a);
k8s_client *fa_client(fake_api *a);
k8s_store *fa_pods(fake_api *a);
/* The informer handlers to call on pod changes (borrowed; NULL: none). */
void fa_set_handlers(fake_api *a, const k8s_store_handlers *h);

/* A pod object: namespace, name, uid, spec with one container (image),
 * status.phase Pending. Caller owns it. */
cJSON *fa_pod(const char *ns, const char *name, const char *uid, const char *image);
/* Add or replace a pod (consumed), as a watch event would. */
void fa_put_pod(fake_api *a, cJSON *pod);
/* Remove a pod, as a watch event would. */
void fa_remove_pod(fake_api *a, const char *ns, const char *name);
/* A copy of a pod (caller frees), or NULL. */
cJSON *fa_get_pod(fake_api *a, const char *ns, const char *name);
/* status.phase and status.reason of a pod ("" when unset); buffers of 64. */
void fa_phase(fake_api *a, const char *ns, const char *name, char *phase, char *reason);

/* Requests so far with this method ("PATCH", "DELETE", "POST", "PUT", or "LIST"
 * and "WATCH" of pods; NULL: all). */
unsigned fa_calls(fake_api *a, const char *method);
/* Fail the nth request from now on (1 = the next) with 503; persistent:
 * that one and every later one. */
void fa_fail(fake_api *a, unsigned nth, int persistent);
/* The same, counting only requests whose "METHOD path" contains match. */
void fa_fail_matching(fake_api *a, const char *match, unsigned nth, int persistent);
void fa_heal(fake_api *a);
/* Requests failed by fa_fail so far (method NULL), or those of them that
 * were the LIST or WATCH of pods ("LIST", "WATCH"). */
unsigned fa_faults(fake_api *a, const char *method);

/* A copy of the object of another kind at path ("/api/v1/nodes/NAME"; caller
 * frees), or NULL; fa_put_object stores one there (consumed). */
cJSON *fa_object(fake_api *a, const char *path);
void fa_put_object(fake_api *a, const char *path, cJSON *obj);
/* The resourceVersion of the last change to a pod. */
unsigned long fa_resource_version(fake_api *a);
/* Forget the changes so far: a watch from an older version gets 410 Gone. */
void fa_compact(fake_api *a);
/* Every PATCH of pods/status takes us microseconds more, spent outside the
 * fake's lock (requests of other threads go on meanwhile). */
void fa_set_status_delay_us(fake_api *a, unsigned us);
/* PATCHes of pods/status that began while another one of the same pod was
 * in progress. */
unsigned fa_status_overlaps(fake_api *a);
/* The status.phase of each PATCH of a pod's status that the fake applied
 * (those carrying one), in order, comma-separated ("Pending,Running");
 * caller frees. */
char *fa_status_history(fake_api *a, const char *ns, const char *name);
/* closed: every watch ends now and later ones at once, empty (call it
 * before stopping an informer: a watch otherwise waits seconds for a
 * change); 0: watches wait for changes again. */
void fa_close_watches(fake_api *a, int closed);

/* Events about a pod name with this reason (NULL: any), and the count of the
 * last such Event. */
size_t fa_events(fake_api *a, const char *pod_name, const char *reason, long *last_count);

/* ImageCaches (cluster-scoped, imagecaches.eci.alibabacloud.com): LIST and
 * WATCH, GET, PUT with a resourceVersion check, PATCH of status, DELETE
 * (the object stays, with a deletionTimestamp, while a finalizer holds
 * it). fa_put_imc adds or replaces one (consumed) as a watch event would;
 * fa_delete_imc deletes as kubectl does; fa_get_imc returns a copy or NULL. */
void fa_put_imc(fake_api *a, cJSON *obj);
cJSON *fa_get_imc(fake_api *a, const char *name);
void fa_delete_imc(fake_api *a, const char *name);
/* PUTs of ImageCaches so far. */
unsigned fa_imc_puts(fake_api *a);
/* GET of Secret ns/name answers secret (consumed); a JSON string instead
 * answers 403 Forbidden. */
void fa_put_secret(fake_api *a, const char *ns, const char *name, cJSON *secret);

#endif
