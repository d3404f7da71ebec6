/* Typed helpers for the authentication/authorization APIs the bridge uses:
 * ServiceAccount TokenRequest, TokenReview and SubjectAccessReview. */
#ifndef K8S_AUTH_H
#define K8S_AUTH_H

#include <cjson/cJSON.h>

#include "k8s/client.h"
#include "k8s/error.h"

/* POST serviceaccounts/SA/token in ns. audiences is a NULL-terminated list (may
 * be NULL), expiration_s 0 for the server default, bound_pod_name/uid (may be
 * NULL) bind the token to a Pod. *token gets a fresh string the caller frees
 * (and should wipe); *expires (may be NULL) the expirationTimestamp string,
 * caller frees. */
int k8s_token_request(k8s_client *c, const char *ns, const char *sa, const char *const *audiences,
                      long expiration_s, const char *bound_pod_name, const char *bound_pod_uid, char **token,
                      char **expires, k8s_error *err);

/* POST a TokenReview for token (audiences may be NULL). *status gets the
 * review's status object (authenticated, user{username,uid,groups,extra},
 * error), caller frees. */
int k8s_token_review(k8s_client *c, const char *token, const char *const *audiences, cJSON **status,
                     k8s_error *err);

/* POST a SubjectAccessReview with spec (borrowed: user, groups, uid, extra,
 * resourceAttributes or nonResourceAttributes). *allowed gets 1/0; *reason
 * (may be NULL) a fresh copy of status.reason (or NULL), caller frees. */
int k8s_subject_access_review(k8s_client *c, const cJSON *spec, int *allowed, char **reason, k8s_error *err);

#endif
