/* eci-kubelet: the virtual kubelet that runs a node's pods on Alibaba Cloud ECI.
 * main() loads and validates the configuration (provider/config.h) and hands
 * it to the bridge. Exit status: 0 success (and --help, --version,
 * --dry-run), 1 runtime failure, 2 bad configuration or usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "provider/bridge.h"
#include "provider/config.h"
#include "util/log.h"

extern char **environ;

int main(int argc, char **argv)
{
    prov_cfg cfg;
    prov_cfg_error err;
    if (prov_cfg_load(argc, argv, environ, &cfg, &err) != 0) {
        fprintf(stderr, "eci-kubelet: %s\n", err.msg);
        prov_cfg_free(&cfg);
        return 2;
    }
    if (cfg.show_help) {
        prov_cfg_help(stdout);
        prov_cfg_free(&cfg);
        return 0;
    }
    if (cfg.show_version) {
        printf("eci-kubelet %s\n", ECI_KUBELET_VERSION);
        prov_cfg_free(&cfg);
        return 0;
    }
    if (cfg.dry_run) {
        for (char *save = NULL, *l = cfg.deprecations ? strtok_r(cfg.deprecations, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save))
            fprintf(stderr, "eci-kubelet: %s\n", l);
        char *dump = prov_cfg_dump(&cfg);
        printf("%s\n", dump);
        free(dump);
        if (cfg.eci_insecure_skip_tls_verify)
            fprintf(stderr, "eci-kubelet: WARNING: eci.insecureSkipTlsVerify is set: the ECI endpoint's "
                            "certificate is NOT verified\n");
        prov_cfg_free(&cfg);
        return 0;
    }

    log_set_level((log_level)cfg.log_level);
    log_set_json(cfg.log_json);
    char *dump = prov_cfg_dump(&cfg);
    log_info("main", "eci-kubelet %s starting: %s", ECI_KUBELET_VERSION, dump);
    free(dump);
    /* One line per setting of virtual-kubelet/alibabacloud-eci still in use. */
    for (char *save = NULL, *l = cfg.deprecations ? strtok_r(cfg.deprecations, "\n", &save) : NULL; l;
         l = strtok_r(NULL, "\n", &save))
        log_warn("config", "%s", l);
    if (cfg.eci_insecure_skip_tls_verify)
        log_warn("main", "INSECURE: eci.insecureSkipTlsVerify is set; the ECI endpoint's TLS certificate is "
                         "not verified. Never use this in production.");

    /* Every connection is a descriptor: take the hard limit (as the Go
     * runtime does for the kubelet), so a crowd of idle clients meets the
     * kubelet port's and the health listener's own bounds, not EMFILE. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    int rc = prov_bridge_run(&cfg) == 0 ? 0 : 1;
    prov_cfg_free(&cfg);
    return rc;
}
