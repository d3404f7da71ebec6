/* eci-emulator: a local stand-in for the Alibaba Cloud ECI OpenAPI.
 * See docs/emulator.md. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eci/emulator/emulator.h"
#include "util/log.h"
#include "util/xmalloc.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: eci-emulator --listen 127.0.0.1:PORT --access-key-id ID --access-key-secret SECRET [options]\n"
            "\n"
            "Serves the ECI OpenAPI (RPC, 2018-08-08) at http://HOST:PORT/ (GET query or POST form).\n"
            "\n"
            "  --listen HOST:PORT          API address (port 0 picks a free port)\n"
            "  --access-key-id ID          AccessKey id accepted by the emulator\n"
            "  --access-key-secret SECRET  its secret (or env ECI_EMULATOR_ACCESS_KEY_SECRET)\n"
            "  --sts-token ID:SECRET[:TOKEN]\n"
            "                              an STS key pair: requests must carry a SecurityToken\n"
            "                              (any token, or exactly TOKEN when given)\n"
            "  --oidc-role-arn ARN, --oidc-provider-arn ARN, --oidc-token-file FILE\n"
            "                              serve STS AssumeRoleWithOIDC (RRSA) for this role and OIDC\n"
            "                              provider with the token FILE holds at the time of the call\n"
            "  --sts-lifetime SECONDS      lifetime of the pairs AssumeRoleWithOIDC issues (default: its\n"
            "                              DurationSeconds)\n"
            "  --region ID                 region served (default cn-hangzhou)\n"
            "  --state-dir DIR             runtime state (default: a fresh /tmp directory)\n"
            "  --exec-listen HOST:PORT     exec WebSocket address (default 127.0.0.1:0)\n"
            "  --admin-listen HOST:PORT    admin routes on their own port (default: /_emulator/ on --listen)\n"
            "  --latency-ms N              added latency per API call\n"
            "  --schedule-delay-ms N       Scheduling -> Pending delay (default 300)\n"
            "  --realistic                 published per-minute quotas and a slower schedule\n"
            "  --quota-cpu N               the account's vCPU quota ListUsage reports (default 1000;\n"
            "                              POST /_emulator/quota {\"MaxCpu\": N} changes it)\n"
            "  --fault ACTION:CODE:RATE    inject CODE on ACTION with probability RATE (or xN: next N calls);\n"
            "                              ACTION may be *; CODE \"drop\" closes the connection;\n"
            "                              CODE \"ScheduleFailed\" (or ACTION \"Schedule\" with any CODE) makes new\n"
            "                              groups end in ScheduleFailed (repeatable)\n"
            "  --qps ACTION:N              rate limit ACTION to N calls/s, answered with Throttling (repeatable)\n"
            "  --no-namespaces             runtime without mount namespaces\n"
            "  --runtime process|simulated containers as local processes (default), or simulated:\n"
            "                              the state machine, logs and usage without any process\n"
            "  --seed N                    deterministic ids and fault decisions\n"
            "  --string-scalars            numbers and booleans as JSON strings (like the doc samples)\n"
            "  --lowercase-events          DescribeContainerGroupEvents with lower-case keys (count, reason, ...)\n"
            "  --body-cap BYTES            request body cap (default 4194304)\n"
            "  --log-level LEVEL           error|warn|info|debug (default info)\n"
            "  --print-params              print the request parameter table (Markdown) and exit\n"
            "  --version, --help\n");
}

static void log_line(int level, const char *line)
{
    log_msg(level >= 3 ? LOG_DEBUG : LOG_INFO, "api", "%s", line);
}

int main(int argc, char **argv)
{
    emu_options o;
    memset(&o, 0, sizeof o);
    o.schedule_delay_ms = -1;
    const char **faults = xcalloc((size_t)argc + 1, sizeof *faults);
    const char **qps = xcalloc((size_t)argc + 1, sizeof *qps);
    char *sts = NULL;
    char *sts_copy = NULL;
    int rc = 0;
    enum { O_LISTEN = 1000, O_AKID, O_AKSECRET, O_STS, O_REGION, O_STATE, O_EXEC, O_ADMIN, O_LAT, O_SCHED,
           O_REAL, O_FAULT, O_QPS, O_NONS, O_RUNTIME, O_SEED, O_LOG, O_CAP, O_STRS, O_LOWEV, O_OIDC_ROLE, O_OIDC_PROV, O_OIDC_TOKEN, O_STS_LIFE, O_QUOTA, O_VERSION, O_HELP, O_PARAMS };
    static const struct option lo[] = {
        {"listen", required_argument, 0, O_LISTEN},
        {"access-key-id", required_argument, 0, O_AKID},
        {"access-key-secret", required_argument, 0, O_AKSECRET},
        {"sts-token", required_argument, 0, O_STS},
        {"region", required_argument, 0, O_REGION},
        {"state-dir", required_argument, 0, O_STATE},
        {"exec-listen", required_argument, 0, O_EXEC},
        {"admin-listen", required_argument, 0, O_ADMIN},
        {"latency-ms", required_argument, 0, O_LAT},
        {"schedule-delay-ms", required_argument, 0, O_SCHED},
        {"realistic", no_argument, 0, O_REAL},
        {"quota-cpu", required_argument, 0, O_QUOTA},
        {"fault", required_argument, 0, O_FAULT},
        {"qps", required_argument, 0, O_QPS},
        {"no-namespaces", no_argument, 0, O_NONS},
        {"runtime", required_argument, 0, O_RUNTIME},
        {"seed", required_argument, 0, O_SEED},
        {"log-level", required_argument, 0, O_LOG},
        {"body-cap", required_argument, 0, O_CAP},
        {"string-scalars", no_argument, 0, O_STRS},
        {"lowercase-events", no_argument, 0, O_LOWEV},
        {"oidc-role-arn", required_argument, 0, O_OIDC_ROLE},
        {"oidc-provider-arn", required_argument, 0, O_OIDC_PROV},
        {"oidc-token-file", required_argument, 0, O_OIDC_TOKEN},
        {"sts-lifetime", required_argument, 0, O_STS_LIFE},
        {"version", no_argument, 0, O_VERSION},
        {"print-params", no_argument, 0, O_PARAMS},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case O_LISTEN: o.listen = optarg; break;
        case O_AKID: o.access_key_id = optarg; break;
        case O_AKSECRET: o.access_key_secret = optarg; break;
        case O_STS: sts = optarg; break;
        case O_REGION: o.region = optarg; break;
        case O_STATE: o.state_dir = optarg; break;
        case O_EXEC: o.exec_listen = optarg; break;
        case O_ADMIN: o.admin_listen = optarg; break;
        case O_LAT: o.latency_ms = atoi(optarg); break;
        case O_SCHED: o.schedule_delay_ms = atoi(optarg); break;
        case O_REAL: o.realistic = 1; break;
        case O_QUOTA: o.quota_cpu = atof(optarg); break;
        case O_FAULT: faults[o.nfaults++] = optarg; break;
        case O_QPS: qps[o.nqps++] = optarg; break;
        case O_NONS: o.no_namespaces = 1; break;
        case O_RUNTIME:
            if (strcmp(optarg, "process") != 0 && strcmp(optarg, "simulated") != 0) {
                fprintf(stderr, "eci-emulator: --runtime must be process or simulated, not %s\n", optarg);
                rc = 2;
                goto done;
            }
            o.simulated = strcmp(optarg, "simulated") == 0;
            break;
        case O_SEED: o.seed = strtoull(optarg, NULL, 10); break;
        case O_STRS: o.string_scalars = 1; break;
        case O_LOWEV: o.lowercase_events = 1; break;
        case O_OIDC_ROLE: o.oidc_role_arn = optarg; break;
        case O_OIDC_PROV: o.oidc_provider_arn = optarg; break;
        case O_OIDC_TOKEN: o.oidc_token_file = optarg; break;
        case O_STS_LIFE: o.sts_lifetime_s = atol(optarg); break;
        case O_CAP: o.body_cap = (size_t)strtoull(optarg, NULL, 10); break;
        case O_LOG: {
            int l = log_level_parse(optarg);
            if (l < 0) {
                fprintf(stderr, "eci-emulator: unknown log level %s\n", optarg);
                rc = 2;
                goto done;
            }
            log_set_level((log_level)l);
            break;
        }
        case O_VERSION: printf("eci-emulator %s\n", ECI_KUBELET_VERSION); goto done;
        case O_PARAMS: {
            char *t = emu_params_table_markdown();
            fputs(t, stdout);
            free(t);
            goto done;
        }
        case O_HELP: usage(stdout); goto done;
        default: usage(stderr); rc = 2; goto done;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "eci-emulator: unexpected argument %s\n", argv[optind]);
        rc = 2;
        goto done;
    }
    if (!o.access_key_secret)
        o.access_key_secret = getenv("ECI_EMULATOR_ACCESS_KEY_SECRET");
    if (!o.listen || !o.access_key_id || !o.access_key_secret) {
        usage(stderr);
        rc = 2;
        goto done;
    }
    if (sts) {
        sts_copy = xstrdup(sts);
        char *a = strchr(sts_copy, ':');
        if (!a) {
            fprintf(stderr, "eci-emulator: --sts-token expects ID:SECRET[:TOKEN]\n");
            rc = 2;
            goto done;
        }
        *a++ = 0;
        char *b = strchr(a, ':');
        if (b)
            *b++ = 0;
        o.sts_key_id = sts_copy;
        o.sts_key_secret = a;
        o.sts_token = b;
    }
    o.faults = faults;
    o.qps = qps;
    o.log_fn = log_line;

    /* Signals are taken by sigwait in this thread only. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    emu_server *s = emu_server_new(&o, err, sizeof err);
    if (!s || emu_server_start(s, err, sizeof err) != 0) {
        fprintf(stderr, "eci-emulator: %s\n", err);
        emu_server_free(s);
        rc = 1;
        goto done;
    }
    printf("eci-emulator listening on %s\n", emu_server_url(s));
    fflush(stdout);
    log_info("emulator", "region %s, %zu fault rule(s), %zu rate limit(s)%s", o.region ? o.region : "cn-hangzhou",
             o.nfaults, o.nqps, o.realistic ? ", realistic quotas" : "");
    int sig = 0;
    sigwait(&set, &sig);
    log_info("emulator", "signal %d: stopping every container group", sig);
    emu_server_free(s);
done:
    fflush(stdout);
    free(sts_copy);
    free(faults);
    free(qps);
    return rc;
}
