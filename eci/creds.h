/* Credentials for the ECI API, resolved once from the first source that has
 * them:
 *   1. explicit configuration (access_key_id + access_key_secret [+ security_token]);
 *   2. env ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
 *      [/ ALIBABA_CLOUD_SECURITY_TOKEN];
 *   3. env ECI_ACCESS_KEY / ECI_SECRET_KEY (the Go virtual-kubelet provider's names);
 *   4. RRSA (ACK's RAM Roles for Service Accounts): a role ARN, an OIDC provider
 *      ARN and an OIDC token file (config, or env ALIBABA_CLOUD_ROLE_ARN /
 *      ALIBABA_CLOUD_OIDC_PROVIDER_ARN / ALIBABA_CLOUD_OIDC_TOKEN_FILE), exchanged
 *      with STS AssumeRoleWithOIDC for a temporary key pair; the token file is
 *      re-read on every exchange (the kubelet rotates it) and the pair is
 *      refreshed before it expires. STS endpoint: sts_endpoint, env
 *      ALIBABA_CLOUD_STS_ENDPOINT, or from env ALIBABA_CLOUD_STS_REGION
 *      (sts.<region>.aliyuncs.com; sts-vpc.<region>.aliyuncs.com with
 *      ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true); default https://sts.aliyuncs.com;
 *   5. an ECS RAM role from the instance metadata service
 *      (<base>/latest/meta-data/ram/security-credentials/<role>), when a role
 *      is configured or use_metadata is set (the role name is then discovered),
 *      refreshed before it expires.
 * Thread-safe. Secrets are zeroed when freed and never appear in errors. */
#ifndef ECI_CREDS_H
#define ECI_CREDS_H

#include "eci/error.h"

typedef struct eci_creds eci_creds;

typedef struct eci_creds_config {
    const char *access_key_id;
    const char *access_key_secret;
    const char *security_token;
    int no_env;               /* skip the environment sources (tests) */
    const char *ram_role;     /* ECS RAM role name: enables the metadata source */
    int use_metadata;         /* use the metadata service even without a role name */
    const char *metadata_url; /* default http://100.100.100.200 */
    long metadata_timeout_ms; /* default 2000 */
    long refresh_before_s;    /* refresh this long before Expiration; default 300 */
    const char *role_arn;           /* RRSA; each falls back to its env variable */
    const char *oidc_provider_arn;
    const char *oidc_token_file;
    const char *sts_endpoint;       /* URL or host; default from the env, then https://sts.aliyuncs.com */
    const char *role_session_name;  /* default env ALIBABA_CLOUD_ROLE_SESSION_NAME, then "eci-kubelet" */
    long sts_duration_s;            /* DurationSeconds; default 3600 */
} eci_creds_config;

/* A copy of the current credential; clear it with eci_credential_clear(). */
typedef struct eci_credential {
    char *access_key_id;
    char *access_key_secret;
    char *security_token; /* NULL unless STS */
} eci_credential;

/* Resolve the source. Fails with ECI_E_CREDENTIALS when no source applies.
 * The config strings are copied. Free with eci_creds_free(). */
int eci_creds_new(const eci_creds_config *cfg, eci_creds **out, eci_error *err);
/* Accepts NULL; zeroes the secrets. */
void eci_creds_free(eci_creds *c);
/* Fill out with a copy of a valid credential, fetching or refreshing from the
 * metadata service when needed (an expired credential is never returned; a
 * failed refresh keeps using the old one while it is still valid). */
int eci_creds_get(eci_creds *c, eci_credential *out, eci_error *err);
/* Zero and free the copy; accepts NULL. */
void eci_credential_clear(eci_credential *cred);
/* "config", "env", "env-eci", "rrsa", "ecs-ram-role" (static string). */
const char *eci_creds_source(const eci_creds *c);
/* Number of successful metadata or STS fetches (tests). */
unsigned eci_creds_fetch_count(eci_creds *c);

#endif
