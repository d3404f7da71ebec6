/* Whether ECI answers, told truthfully. At start the bridge calls
 * DescribeRegions (credentials, region and endpoint checked in one call):
 * an answer that blames a setting (AccessKey id or secret, region, RAM
 * policy, TLS trust) ends the process with one line naming it; no answer at
 * all (connection refused, timeout, 5xx) leaves the node NotReady with
 * reason ECIUnreachable and the error as message until ECI answers. Every
 * ECI outage, at start or later (the status poll), is logged when it begins
 * and when its error changes, and once more when ECI answers again: never
 * on every retry. */
#include "provider/bridge_int.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

#define COMP "eci"

/* The setting an ECI answer blames, as the user can set it, or NULL when
 * the failure says nothing about the configuration (retry). */
static const char *blamed_setting(const eci_error *e, const char **what)
{
    const char *c = e->api_code;
    if (!strncmp(c, "InvalidAccessKeyId", 18) || !strcmp(c, "Forbidden.AccessKeyDisabled")) {
        *what = "ECI does not know this AccessKey id (or it is disabled)";
        return "eci.accessKeyId (--access-key-id, ECI_KUBELET_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_ID)";
    }
    if (!strcmp(c, "SignatureDoesNotMatch") || !strcmp(c, "IncompleteSignature") ||
        !strcmp(c, "InvalidAccessKeySecret")) {
        *what = "the request signature does not match: the AccessKey secret is not the one of this AccessKey id";
        return "eci.accessKeySecret (--access-key-secret-file, ECI_KUBELET_ACCESS_KEY_SECRET, "
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET)";
    }
    if (!strcmp(c, "RegionNotSupport") || !strncmp(c, "InvalidRegionId", 15) || !strcmp(c, "InvalidRegion")) {
        *what = "ECI is not offered in this region";
        return "eci.region (--region, ECI_KUBELET_REGION)";
    }
    if (!strncmp(c, "Forbidden", 9) || !strcmp(c, "NoPermission")) {
        *what = "the AccessKey may not call ECI";
        return "the RAM policy of the AccessKey (docs/operations.md lists the actions it needs)";
    }
    if (!strcmp(c, "InvalidSecurityToken") || !strcmp(c, "MissingSecurityToken") ||
        e->code == ECI_E_CREDENTIALS) {
        *what = "no usable ECI credentials";
        return "eci.accessKeyId and eci.accessKeySecret, or eci.ramRole (--ram-role)";
    }
    if (e->code == ECI_E_TLS) {
        *what = "the ECI endpoint's TLS certificate cannot be verified";
        return "eci.caFile (--eci-ca-file) or eci.endpoint (--eci-endpoint)";
    }
    return NULL;
}

/* One line: the service's message may quote a multi-line string to sign. */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r' || *s == '\t')
            *s = ' ';
}

void prov_eci_report(prov_bridge *b, const eci_error *err, const char *context)
{
    char key[sizeof b->eci_key];
    char reason[sizeof b->eci_reason];
    if (err) {
        /* What kind of failure, not its text: the text carries a new
         * RequestId or elapsed time on every attempt. */
        snprintf(key, sizeof key, "%s|%s|%s|%d", context ? context : "", eci_errname(err->code), err->api_code,
                 err->http_status);
        char buf[700];
        eci_error_format(err, buf, sizeof buf);
        char *rid = strstr(buf, " (RequestId ");
        if (rid)
            *rid = '\0';
        one_line(buf);
        snprintf(reason, sizeof reason, "%.60s%s%.500s", context ? context : "", context ? ": " : "", buf);
    }
    pthread_mutex_lock(&b->eci_mu);
    int was_ok = atomic_load(&b->ctl.eci_ok);
    int changed;
    if (!err) {
        changed = !was_ok;
        b->eci_reason[0] = b->eci_key[0] = '\0';
    } else {
        changed = was_ok || strcmp(b->eci_key, key);
        if (changed) {
            /* The Node condition keeps the first message of a failure, so
             * it does not change (nor get written) on every retry. */
            snprintf(b->eci_key, sizeof b->eci_key, "%s", key);
            snprintf(b->eci_reason, sizeof b->eci_reason, "%s", reason);
        }
    }
    atomic_store(&b->ctl.eci_ok, err ? 0 : 1);
    pthread_mutex_unlock(&b->eci_mu);
    if (!changed)
        return;
    if (!err)
        log_info(COMP, "ECI reachable again: the node is Ready");
    else
        log_warn(COMP, "ECI unreachable (node NotReady, reason ECIUnreachable; retrying quietly): %s", reason);
    prov_ctl_wake(&b->ctl); /* the node loop writes the Ready condition now */
}

void prov_eci_reason(prov_bridge *b, char *buf, size_t n)
{
    pthread_mutex_lock(&b->eci_mu);
    snprintf(buf, n, "%s", b->eci_reason);
    pthread_mutex_unlock(&b->eci_mu);
}

int prov_eci_probe(prov_bridge *b)
{
    eci_describe_regions_resp resp;
    memset(&resp, 0, sizeof resp);
    eci_error err;
    eci_error_clear(&err);
    const char *region = b->cfg->region;
    int rc = b->be->ping(b->be->ud, region, &resp, &err);
    if (rc == 0) {
        /* RegionId may not filter the list: the region must be in it. */
        int found = resp.n_regions == 0;
        for (size_t i = 0; i < resp.n_regions; i++)
            if (resp.regions[i].region_id && !strcmp(resp.regions[i].region_id, region))
                found = 1;
        eci_describe_regions_resp_free(&resp);
        if (!found) {
            log_error(COMP, "eci.region (--region, ECI_KUBELET_REGION) is wrong: DescribeRegions does not list %s",
                      region);
            return -1;
        }
        prov_eci_report(b, NULL, NULL);
        return 0;
    }
    eci_describe_regions_resp_free(&resp);
    const char *what = NULL;
    const char *setting = blamed_setting(&err, &what);
    char buf[700];
    eci_error_format(&err, buf, sizeof buf);
    one_line(buf);
    if (setting) {
        log_error(COMP, "fix %s: %s (DescribeRegions at %s: %s)", setting, what,
                  b->cfg->eci_endpoint[0] ? b->cfg->eci_endpoint : "the region's endpoint", buf);
        return -1;
    }
    prov_eci_report(b, &err, NULL);
    return 1;
}
