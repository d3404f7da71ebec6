/* STS AssumeRoleWithOIDC, as RRSA clients call it: an anonymous RPC call (no
 * AccessKeyId or Signature) with RoleArn, OIDCProviderArn, OIDCToken,
 * RoleSessionName and DurationSeconds in the query or the form body. The
 * token must equal the content of the configured token file at the time of
 * the call, so a test that rotates the file checks that the client re-reads
 * its own. The answer is a temporary key pair with a SecurityToken, accepted
 * by the ECI operations until its Expiration. */
#include "eci/emulator/emu.h"

#include <stdio.h>
#include <string.h>

#include "util/dynbuf.h"

#define TOKEN_FILE_CAP (64 * 1024)

/* The expected token: the file's content without trailing white space. */
static int expected_token(const char *path, dynbuf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (dynbuf_add(out, buf, n) != 0)
            break;
    fclose(f);
    while (out->len && strchr(" \t\r\n", out->buf[out->len - 1]))
        out->buf[--out->len] = '\0';
    return 0;
}

static int session_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr(".@-_", *s)))
            return 0;
    return 1;
}

int emu_op_assume_role_with_oidc(emu_req *r, cJSON *out, emu_err *e)
{
    const emu_options *o = &r->s->opt;
    const char *v = emu_get(r->p, "Version");
    if (!v)
        return emu_missing(e, "Version");
    if (strcmp(v, "2015-04-01") != 0)
        return emu_fail_code(e, "InvalidVersion");
    static const char *const required[] = {"RoleArn", "OIDCProviderArn", "OIDCToken", "RoleSessionName", NULL};
    for (int i = 0; required[i]; i++)
        if (!emu_get(r->p, required[i]))
            return emu_missing(e, required[i]);
    const char *token = emu_get(r->p, "OIDCToken");
    size_t tl = strlen(token);
    if (tl < 4 || tl > 20000)
        return emu_fail(e, 401, "AuthenticationFail.OIDCToken.Invalid", "The OIDCToken must be 4 to 20000 characters.");
    if (!session_name_ok(emu_get(r->p, "RoleSessionName")))
        return emu_invalid(e, "RoleSessionName", "2 to 64 characters of letters, digits, '.', '@', '-' and '_'");
    long duration = 3600;
    if (emu_get_long(r->p, "DurationSeconds", 900, 43200, &duration, e) < 0)
        return -1;
    if (!o->oidc_provider_arn || strcmp(emu_get(r->p, "OIDCProviderArn"), o->oidc_provider_arn) != 0)
        return emu_fail(e, 401, "AuthenticationFail.NoPermission", "No such OIDC Provider registered.");
    if (!o->oidc_role_arn || strcmp(emu_get(r->p, "RoleArn"), o->oidc_role_arn) != 0)
        return emu_fail(e, 404, "EntityNotExist.Role", "The role not exists: %s.", emu_get(r->p, "RoleArn"));
    dynbuf want;
    dynbuf_init(&want, TOKEN_FILE_CAP);
    int match = o->oidc_token_file && expected_token(o->oidc_token_file, &want) == 0 && want.len == tl &&
                memcmp(want.buf, token, tl) == 0;
    dynbuf_free(&want);
    if (!match)
        return emu_fail(e, 401, "AuthenticationFail.OIDCToken.Invalid", "The Jwt content is invalid that cannot be recognized.");

    char id[48], secret[48], sts_token[64], exp[32];
    emu_rng_id(&r->s->rng, "STS.", id, sizeof id);
    emu_rng_id(&r->s->rng, "", secret, sizeof secret);
    emu_rng_id(&r->s->rng, "CAIS", sts_token, sizeof sts_token);
    time_t expires = (time_t)r->now + (o->sts_lifetime_s > 0 ? o->sts_lifetime_s : duration);
    emu_auth_issue(&r->s->auth, id, secret, sts_token, expires);
    emu_fmt_time(expires, exp, sizeof exp);

    cJSON *c = cJSON_AddObjectToObject(out, "Credentials");
    cJSON_AddStringToObject(c, "SecurityToken", sts_token);
    cJSON_AddStringToObject(c, "Expiration", exp);
    cJSON_AddStringToObject(c, "AccessKeySecret", secret);
    cJSON_AddStringToObject(c, "AccessKeyId", id);
    const char *role = emu_get(r->p, "RoleArn");
    const char *session = emu_get(r->p, "RoleSessionName");
    cJSON *u = cJSON_AddObjectToObject(out, "AssumedRoleUser");
    char buf[600];
    snprintf(buf, sizeof buf, "%s/%s", role, session);
    cJSON_AddStringToObject(u, "Arn", buf);
    snprintf(buf, sizeof buf, "300000000000000000:%s", session);
    cJSON_AddStringToObject(u, "AssumedRoleId", buf);
    cJSON *t = cJSON_AddObjectToObject(out, "OIDCTokenInfo");
    cJSON_AddStringToObject(t, "ClientIds", "sts.aliyuncs.com");
    return 0;
}
