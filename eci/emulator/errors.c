/* The service's error codes: documented HTTP status and message per code
 * (spec/eci-api.md section 4 and the per-operation tables). */
#include "eci/emulator/emu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct code_row {
    const char *code;
    int http;
    const char *msg;
} code_row;

static const code_row k_codes[] = {
    {"Forbidden.AccessKeyDisabled", 403, "The Access Key is disabled."},
    {"Forbidden.NotSupportRAM", 403, "This action does not support access in RAM mode."},
    {"Forbidden.RAM", 403, "You are not authorized to operate on the specified resource, or this API does not support RAM mode."},
    {"Forbidden.RiskControl", 403, "This operation has been identified as an abnormal operation and cannot be processed."},
    {"Forbidden.SubUser", 403, "The specified action is not available for you."},
    {"InternalError", 500, "An unknown error occurred while processing your request."},
    {"InvalidAction", 403, "The specified action is invalid"},
    {"InvalidParameter", 400, "The specified parameter is invalid."},
    {"InvalidParameter.LengthExceeded", 400, "A list-type parameter has more items than allowed."},
    {"InvalidParameter.NotFound", 404, "The specified resource is not found."},
    {"InvalidParameter.ValueExceeded", 400, "The parameter value is out of range."},
    {"LastTokenProcessing", 403, "The previous token request is being processed."},
    {"MissingParameter", 400, "A required parameter is missing."},
    {"OperationConflict", 409, "The request was denied. It conflicts with a previous request."},
    {"RealNameAuthenticationError", 403, "Your account has not passed the real-name authentication yet."},
    {"ServiceUnavailable", 503, "A server error occurred while processing your request."},
    {"ServiceUnavailable.RegionMaintaining", 503, "System maintenance is in progress on the selected region, please wait a few minutes before trying again."},
    {"SignatureNonceUsed", 400, "The request signature nonce has been used."},
    {"Throttling", 400, "You have made too many requests within a short time; your request is denied due to request throttling."},
    {"Throttling.User", 400, "Request was denied due to user flow control."},
    {"UnsupportedHTTPMethod", 403, "This http method is not supported."},
    {"Forbidden.RamRoleNotExist", 403, "The specified RAM role does not exist."},
    {"Forbidden.Unauthorized", 403, "You are not authorized to operate on the specified resource."},
    {"Throttling.Vcpu.PerDay", 403, "The maximum number of request for the day has been exceeded."},
    {"InvalidVSwitchId.IpNotEnough", 403, "The specified VSwitch does not have enough IP addresses."},
    {"containerRepositoryAuthorizationFailed", 503, "An error occurred while authenticating the container image repository. Make sure that you have activated ACR, and try again later."},
    {"IdempotentParameterMismatch", 400, "Request uses a client token in a previous request but is not identical to that request."},
    {"IncorrectStatus", 400, "The current status of the resource does not support this operation."},
    {"IncorrectOperation", 400, "You cannot perform this operation on the specified resource."},
    {"IncorrectUserTemplateFormat", 400, "The user template format is invalid."},
    {"RegionNotSupport", 403, "The specified Region is not supported."},
    {"UnknownError", 400, "An unknown error occurred while processing your request"},
    {"Account.Arrearage", 400, "Your account has an outstanding payment."},
    {"InvalidParameter.CPU.Memory", 400, "The specified cpu and memory are not allowed"},
    {"InvalidParameter.DuplicatedName", 400, "The container group include containers with duplicate names."},
    {"InvalidParameter.DuplicatedVolumeName", 400, "The container group includes volumes with duplicate names."},
    {"InvalidParam.CpuOrMemorySpec", 400, "The specified specification is invalid."},
    {"NoNeedUpdate", 400, "There are no changes to be updated for current resource."},
    {"QuotaExceeded", 403, "Instance quota exceeded."},
    {"Zone.NotOnSale", 403, "The specified zone is not available for purchase."},
    {"OperationDenied.NoStock", 403, "Sales of this resource are temporarily suspended in the specified zone. We recommend that you use the multi-zone creation function to avoid the risk of insufficient resource. For more information, see https://help.aliyun.com/document_detail/157290.html"},
    {"OperationDenied.VswZoneMisMatch", 403, "The specified VSwitchId is not in the specified Zone."},
    {"ImageSnapshot.NotFound", 404, "The specified snapshot does not exist."},
    {"Spot.NotMatched", 403, "The spot request cannot be satisfied. We recommend that you use the create multi-zone function to avoid insufficient inventory. For more information, see https://help.aliyun.com/document_detail/157290.html"},
    {"DryRunOperation", 400, "Request validation has been passed with DryRun flag set."},
    {"MissingSecurityToken", 400, "The SecurityToken is required for the specified temporary AccessKey."},
    {"InvalidSecurityToken.MismatchWithAccessKey", 400, "Specified SecurityToken mismatch with the AccessKey."},
    {"InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."},
    {"SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation."},
    {"InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."},
    {"InvalidTimeStamp.Format", 400, "Specified time stamp or date value is not well formatted."},
    {"InvalidVersion", 400, "Specified parameter Version is not valid."},
    {"InvalidParameter.Format", 400, "The specified parameter Format is not valid."},
    {"ImageCache.IncorrectStatus", 400, "The image cache is in a wrong status."},
    {NULL, 0, NULL},
};

static const code_row *lookup(const char *code)
{
    for (const code_row *r = k_codes; r->code; r++)
        if (strcmp(r->code, code) == 0)
            return r;
    return NULL;
}

int emu_code_status(const char *code)
{
    const code_row *r = lookup(code);
    if (r)
        return r->http;
    if (strncmp(code, "Throttling", 10) == 0)
        return 400;
    if (strncmp(code, "ServiceUnavailable", 18) == 0)
        return 503;
    if (strncmp(code, "InternalError", 13) == 0)
        return 500;
    return 400;
}

int emu_fail(emu_err *e, int http, const char *code, const char *fmt, ...)
{
    e->http = http;
    snprintf(e->code, sizeof e->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int emu_fail_code(emu_err *e, const char *code)
{
    const code_row *r = lookup(code);
    return emu_fail(e, emu_code_status(code), code, "%s", r ? r->msg : "The request failed.");
}

int emu_missing(emu_err *e, const char *param)
{
    return emu_fail(e, 400, "MissingParameter",
                    "The input parameter \"%s\" that is mandatory for processing this request is not supplied.",
                    param);
}

int emu_invalid(emu_err *e, const char *param, const char *why)
{
    return emu_fail(e, 400, "InvalidParameter", "The specified parameter \"%s\" is not valid: %s", param, why);
}
