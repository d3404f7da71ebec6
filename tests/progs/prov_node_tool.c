/* Drives provider/podmap/node.c from the shell so a suite can check its JSON
 * against a real apiserver:
 *
 *   prov_node_tool node [FLAGS...]                  the Node for POST
 *   prov_node_tool status PREV.json [FLAGS...]      {"status":...} for PATCH .../status
 *   prov_node_tool changed PREV.json [FLAGS...]     exit 0: unchanged, 3: changed
 *   prov_node_tool meta-patch EXISTING.json [FLAGS...]  merge patch, or "null"
 *   prov_node_tool lease NODE_UID [FLAGS...]        the kube-node-lease Lease
 *
 * FLAGS are eci-kubelet flags (the ECI settings are required as usual; the
 * environment is read too). Env NODE_TOOL_NOT_READY=1 reports Ready=False. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "provider/config.h"
#include "provider/podmap/node.h"

extern char **environ;

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    char *text = NULL;
    size_t cap = 0;
    if (getdelim(&text, &cap, 0, f) < 0) {
        fclose(f);
        free(text);
        fprintf(stderr, "%s: empty\n", path);
        exit(2);
    }
    fclose(f);
    cJSON *j = cJSON_Parse(text);
    free(text);
    if (!j) {
        fprintf(stderr, "%s: not JSON\n", path);
        exit(2);
    }
    return j;
}

static void print(cJSON *j)
{
    char *s = cJSON_PrintUnformatted(j);
    printf("%s\n", s);
    free(s);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: prov_node_tool node|status|changed|meta-patch|lease ...\n");
        return 2;
    }
    const char *cmd = argv[1];
    bool takes_arg = strcmp(cmd, "node") != 0;
    if (takes_arg && argc < 3) {
        fprintf(stderr, "%s needs an argument\n", cmd);
        return 2;
    }
    int skip = takes_arg ? 2 : 1;
    /* argv for the config: program name + the flags after the command's arguments */
    char **cargv = calloc((size_t)argc, sizeof *cargv);
    int cargc = 0;
    cargv[cargc++] = argv[0];
    for (int i = 1 + skip; i < argc; i++)
        cargv[cargc++] = argv[i];
    prov_cfg cfg;
    prov_cfg_error err;
    if (prov_cfg_load(cargc, cargv, environ, &cfg, &err) != 0) {
        fprintf(stderr, "config: %s\n", err.msg);
        prov_cfg_free(&cfg);
        free(cargv);
        return 2;
    }
    free(cargv);
    podmap_node_config nc;
    prov_cfg_node(&cfg, &nc);
    podmap_node_facts f = {.now = time(NULL)};
    const char *nr = getenv("NODE_TOOL_NOT_READY");
    if (nr && strcmp(nr, "1") == 0) {
        f.not_ready = true;
        f.not_ready_reason = "ECIUnreachable";
        f.not_ready_message = "the ECI API did not answer";
    }
    int rc = 0;
    if (strcmp(cmd, "node") == 0) {
        cJSON *n = podmap_node_build(&nc, &f, NULL);
        print(n);
        cJSON_Delete(n);
    } else if (strcmp(cmd, "status") == 0 || strcmp(cmd, "changed") == 0) {
        cJSON *prev = read_json(argv[2]);
        cJSON *st = podmap_node_status(&nc, &f, prev);
        if (strcmp(cmd, "status") == 0) {
            cJSON *p = podmap_node_status_patch(st);
            print(p);
            cJSON_Delete(p);
        } else {
            rc = podmap_node_status_changed(prev, st) ? 3 : 0;
        }
        cJSON_Delete(st);
        cJSON_Delete(prev);
    } else if (strcmp(cmd, "meta-patch") == 0) {
        cJSON *ex = read_json(argv[2]);
        cJSON *p = podmap_node_meta_patch(&nc, ex);
        if (p)
            print(p);
        else
            printf("null\n");
        cJSON_Delete(p);
        cJSON_Delete(ex);
    } else if (strcmp(cmd, "lease") == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        cJSON *l = podmap_node_lease(&nc, argv[2], &ts);
        print(l);
        cJSON_Delete(l);
    } else {
        fprintf(stderr, "unknown command %s\n", cmd);
        rc = 2;
    }
    prov_cfg_free(&cfg);
    return rc;
}
