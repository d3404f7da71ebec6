/* The one table of every request parameter of every operation
 * (spec/eci-api.md, spec/eci-api-extra.md and, where the spec is older, the
 * SDK request models): its type and checks, a valid sample, the parameters a
 * sample needs beside it, where the value is returned, and its treatment.
 *
 * Every request goes through emu_params_check before its operation runs: a
 * parameter the table does not list for the operation is refused, and every
 * listed one is checked by type, range, enumeration or format. The
 * operations then read what they store. The table is also published
 * (/_emulator/params, eci-emulator --print-params) for the parameter walk
 * test and docs/emulator.md. */
#include "eci/emulator/emu.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* Operation bits. */
enum {
    OP_CREATE = 1u << 0, OP_UPDATE = 1u << 1, OP_RESTART = 1u << 2, OP_DELETE = 1u << 3,
    OP_DESCRIBE = 1u << 4, OP_STATUS = 1u << 5, OP_EVENTS = 1u << 6, OP_LOG = 1u << 7,
    OP_EXEC = 1u << 8, OP_METRIC = 1u << 9, OP_MMETRIC = 1u << 10, OP_REGIONS = 1u << 11,
    OP_PRICE = 1u << 12, OP_USAGE = 1u << 13, OP_IC_CREATE = 1u << 14, OP_IC_DESCRIBE = 1u << 15,
    OP_IC_DELETE = 1u << 16,
};
#define CU (OP_CREATE | OP_UPDATE)

/* The note of the rows the core Python SDK sends on every item, the string
 * "None" when unset: emu_param_value_check takes "None" there as unset. */
static const char none_unset[] = "The string None (sent by the core SDK for an unset value) is unset.";
#define ALL_OPS 0x1FFFFu

static const struct { const char *name; unsigned bit; } k_ops[] = {
    {"CreateContainerGroup", OP_CREATE}, {"UpdateContainerGroup", OP_UPDATE},
    {"RestartContainerGroup", OP_RESTART}, {"DeleteContainerGroup", OP_DELETE},
    {"DescribeContainerGroups", OP_DESCRIBE}, {"DescribeContainerGroupStatus", OP_STATUS},
    {"DescribeContainerGroupEvents", OP_EVENTS}, {"DescribeContainerLog", OP_LOG},
    {"ExecContainerCommand", OP_EXEC}, {"DescribeContainerGroupMetric", OP_METRIC},
    {"DescribeMultiContainerGroupMetric", OP_MMETRIC}, {"DescribeRegions", OP_REGIONS},
    {"DescribeContainerGroupPrice", OP_PRICE}, {"ListUsage", OP_USAGE},
    {"CreateImageCache", OP_IC_CREATE}, {"DescribeImageCaches", OP_IC_DESCRIBE},
    {"DeleteImageCache", OP_IC_DELETE},
};

/* Treatments. */
#define T_STORED "stored"     /* validated, stored, returned (see returns) */
#define T_USED "used"         /* validated and acted on by the operation (filter, option, effect) */
#define T_SETTING "setting"   /* validated and stored (admin view Settings), no local effect */
#define T_REFUSED "refused"   /* validated; refused as the service refuses it (see note) */

/* Rows. A name beginning with "*." stands for both "Container.N." (ops)
 * and "InitContainer.N." (iops; 0 = containers only); in needs, "*." is the
 * same prefix as the row; in returns, "A|B" gives the container and the
 * init-container path, "*" stands for Containers[] / InitContainers[].
 * returns: a path under DescribeContainerGroups' ContainerGroups[] item;
 * "admin:" = the admin view of the group only (no DescribeContainerGroups
 * field in the SDK model); "-" none. Type: s string (hi = max length, rule
 * "@format" or "A|B" values), i integer, f float, b boolean. */
static const emu_param_def k_rows[] = {
    /* ---- common to the container group operations ---- */
    {"RegionId", ALL_OPS, 0, 's', 0, 64, "@region", "cn-hangzhou", "", "-", T_USED,
     "Must be the served region (403 RegionNotSupport)."},
    {"ClientToken", CU | OP_RESTART | OP_DELETE | OP_IC_CREATE | OP_IC_DELETE, 0, 's', 1, 64, "@ascii", "tok-walk-1",
     "", "-", T_USED, "Idempotency: same token and parameters answer the first result; different parameters 400 IdempotentParameterMismatch."},
    {"OwnerId", ALL_OPS, 0, 'i', 1, 9.2e18, "@account", EMU_ACCOUNT_ID, "", "-", T_USED,
     "The caller's account; another account is refused (403 Forbidden.Unauthorized)."},
    {"ResourceOwnerId", ALL_OPS, 0, 'i', 1, 9.2e18, "@account", EMU_ACCOUNT_ID, "", "-", T_USED,
     "The resource owner's account; another account is refused (403 Forbidden.Unauthorized)."},
    {"OwnerAccount", ALL_OPS, 0, 's', 1, 128, "@accountname", EMU_ACCOUNT_NAME, "", "-", T_USED,
     "The caller's account name; another is refused (403 Forbidden.Unauthorized)."},
    {"ResourceOwnerAccount", ALL_OPS, 0, 's', 1, 128, "@accountname", EMU_ACCOUNT_NAME, "", "-", T_USED,
     "The resource owner's account name; another is refused (403 Forbidden.Unauthorized)."},
    {"ContainerGroupId", OP_UPDATE | OP_RESTART | OP_DELETE | OP_LOG | OP_EXEC | OP_METRIC, 0, 's', 1, 64,
     "@id:eci-", "", "", "-", T_USED, "The group acted on (404 InvalidParameter.NotFound when unknown)."},

    /* ---- CreateContainerGroup / UpdateContainerGroup: group level ---- */
    {"ContainerGroupName", OP_CREATE, 0, 's', 2, 128, "@name", "walk-group", "", "ContainerGroupName", T_STORED, ""},
    {"ZoneId", OP_CREATE | OP_DESCRIBE | OP_STATUS | OP_EVENTS | OP_PRICE | OP_IC_CREATE, 0, 's', 1, 64, "@zone",
     "cn-hangzhou-k", "", "ZoneId", T_STORED, "A zone of the region (else 403 Zone.NotOnSale); a filter for the describe calls."},
    {"SecurityGroupId", OP_CREATE | OP_DESCRIBE | OP_IC_CREATE, 0, 's', 4, 64, "@id:sg-", "sg-walk0000000000000001", "",
     "SecurityGroupId", T_STORED, ""},
    {"VSwitchId", OP_CREATE | OP_DESCRIBE | OP_STATUS | OP_EVENTS | OP_IC_CREATE, 0, 's', 5, 512, "@vswitches",
     "vsw-walk0000000000000001", "", "VSwitchId", T_STORED, "Up to 10 comma-separated ids; the group is placed in the first."},
    {"RestartPolicy", CU, 0, 's', 0, 0, "Always|Never|OnFailure", "OnFailure", "", "RestartPolicy", T_STORED, ""},
    {"Cpu", CU | OP_PRICE, 0, 'f', 0.25, 64, "", "4", "Memory=8", "Cpu", T_STORED,
     "With Memory, a sold combination (400 InvalidParameter.CPU.Memory)."},
    {"Memory", CU | OP_PRICE, 0, 'f', 0.5, 512, "", "8", "Cpu=4", "Memory", T_STORED,
     "With Cpu, a sold combination (400 InvalidParameter.CPU.Memory)."},
    {"InstanceType", OP_CREATE | OP_PRICE, 0, 's', 1, 256, "@instancetypes", "ecs.c6.large", "", "InstanceType",
     T_STORED, "Comma-separated ecs.* types."},
    {"EipInstanceId", OP_CREATE | OP_IC_CREATE, 0, 's', 4, 64, "@id:eip-", "eip-walk0000000000000001", "",
     "admin:Settings.EipInstanceId", T_SETTING, "InternetIp is set."},
    {"AutoCreateEip", OP_CREATE, 0, 'b', 0, 0, "", "true", "", "admin:Settings.AutoCreateEip", T_SETTING,
     "InternetIp is set."},
    {"EipBandwidth", OP_CREATE, 0, 'i', 1, 500, "", "10", "", "admin:Settings.EipBandwidth", T_SETTING, ""},
    {"EipISP", OP_CREATE, 0, 's', 0, 0, "BGP|BGP_PRO", "BGP_PRO", "", "admin:Settings.EipISP", T_SETTING, ""},
    {"EipCommonBandwidthPackage", OP_CREATE, 0, 's', 4, 64, "@id:cbwp-", "cbwp-walk00000001", "",
     "admin:Settings.EipCommonBandwidthPackage", T_SETTING, ""},
    {"ResourceGroupId", CU | OP_DESCRIBE | OP_STATUS | OP_EVENTS | OP_MMETRIC | OP_IC_CREATE | OP_IC_DESCRIBE, 0,
     's', 3, 64, "@id:rg-", "rg-walk000000001", "", "ResourceGroupId", T_STORED, "A filter for the describe calls."},
    {"DnsPolicy", OP_CREATE, 0, 's', 0, 0, "None|Default", "None", "", "admin:DnsPolicy", T_STORED, ""},
    {"SlsEnable", OP_CREATE, 0, 'b', 0, 0, "", "true", "", "admin:Settings.SlsEnable", T_SETTING, ""},
    {"ImageSnapshotId", OP_CREATE, 0, 's', 4, 64, "@id:imc-", "", "", "-", T_USED,
     "Must name an image cache (404 ImageSnapshot.NotFound)."},
    {"AutoMatchImageCache", OP_CREATE | OP_IC_CREATE, 0, 'b', 0, 0, "", "true", "", "admin:Settings.AutoMatchImageCache",
     T_SETTING, ""},
    {"RamRoleName", OP_CREATE, 0, 's', 1, 64, "@text", "walk-role", "", "RamRoleName", T_STORED, ""},
    {"TerminationGracePeriodSeconds", OP_CREATE, 0, 'i', 0, 604800, "", "45", "",
     "admin:TerminationGracePeriodSeconds", T_STORED, "Grace period of the runtime's stop."},
    {"ActiveDeadlineSeconds", OP_CREATE, 0, 'i', 1, 315360000, "", "36000", "", "admin:ActiveDeadlineSeconds",
     T_STORED, "The group fails with DeadlineExceeded after it."},
    {"Ipv6AddressCount", OP_CREATE, 0, 'i', 0, 1, "", "1", "", "admin:Settings.Ipv6AddressCount", T_SETTING,
     "Ipv6Address is set when 1."},
    {"SpotStrategy", OP_CREATE | OP_PRICE, 0, 's', 0, 0, "NoSpot|SpotWithPriceLimit|SpotAsPriceGo", "SpotAsPriceGo", "",
     "SpotStrategy", T_STORED, ""},
    {"SpotPriceLimit", OP_CREATE | OP_PRICE, 0, 'f', 0, 1e6, "@price", "0.025", "SpotStrategy=SpotWithPriceLimit",
     "SpotPriceLimit", T_STORED, "Required with SpotWithPriceLimit (400 MissingParameter); at most 3 decimals."},
    {"SpotDuration", OP_CREATE | OP_PRICE, 0, 'i', 0, 6, "", "2", "", "admin:Settings.SpotDuration", T_SETTING, ""},
    {"StrictSpot", OP_CREATE, 0, 'b', 0, 0, "", "true", "", "admin:Settings.StrictSpot", T_SETTING, ""},
    {"CorePattern", OP_CREATE, 0, 's', 2, 256, "@corepattern", "/data/core", "", "admin:Settings.CorePattern",
     T_SETTING, "Absolute path; must not start with |."},
    {"HostName", OP_CREATE, 0, 's', 1, 253, "@hostname", "walk-host", "", "admin:HostName", T_STORED,
     "The containers' host name."},
    {"IngressBandwidth", OP_CREATE, 0, 'i', 1, 1e12, "", "1024000", "", "admin:Settings.IngressBandwidth", T_SETTING, ""},
    {"EgressBandwidth", OP_CREATE, 0, 'i', 1, 1e12, "", "1024000", "", "admin:Settings.EgressBandwidth", T_SETTING, ""},
    {"CpuOptionsCore", OP_CREATE, 0, 'i', 1, 256, "", "2", "", "admin:Settings.CpuOptionsCore", T_SETTING, ""},
    {"CpuOptionsThreadsPerCore", OP_CREATE, 0, 'i', 1, 2, "", "1", "", "admin:Settings.CpuOptionsThreadsPerCore",
     T_SETTING, ""},
    {"CpuOptionsNuma", OP_CREATE, 0, 's', 1, 64, "@text", "", "", "-", T_REFUSED,
     "Not available (documented): any value 400 InvalidParameter."},
    {"EphemeralStorage", OP_CREATE | OP_PRICE, 0, 'i', 0, 2048, "", "50", "", "EphemeralStorage", T_STORED, "GiB."},
    {"ShareProcessNamespace", OP_CREATE, 0, 'b', 0, 0, "", "true", "", "admin:ShareProcessNamespace", T_STORED, ""},
    {"DryRun", OP_CREATE, 0, 'b', 0, 0, "", "false", "", "-", T_USED,
     "true: validation only, answered 400 DryRunOperation."},
    {"MaxPendingMinute", OP_CREATE, 0, 'i', 10, 1440, "", "60", "", "admin:Settings.MaxPendingMinute", T_SETTING, ""},
    {"ContainerResourceView", OP_CREATE, 0, 'b', 0, 0, "", "true", "", "admin:Settings.ContainerResourceView",
     T_SETTING, ""},
    {"PrivateIpAddress", OP_CREATE, 0, 's', 7, 15, "@ipv4", "10.1.2.3", "", "IntranetIp", T_STORED,
     "The group's IntranetIp (400 InvalidParameter when in use)."},
    {"FixedIp", OP_CREATE, 0, 's', 0, 0, "true|false", "true", "", "admin:Settings.FixedIp", T_SETTING, ""},
    {"FixedIpRetainHour", OP_CREATE, 0, 'i', 1, 8760, "", "24", "FixedIp=true", "admin:Settings.FixedIpRetainHour",
     T_SETTING, ""},
    {"OsType", OP_CREATE | OP_IC_CREATE, 0, 's', 0, 0, "Linux|Windows", "Linux", "", "admin:Settings.OsType", T_SETTING,
     "Windows is by invitation: 400 InvalidParameter."},
    {"CpuArchitecture", OP_CREATE, 0, 's', 0, 0, "AMD64|ARM64", "ARM64", "", "admin:Settings.CpuArchitecture",
     T_SETTING, ""},
    {"ComputeCategory.N", OP_CREATE, 0, 's', 0, 0, "Economy|General", "Economy", "", "ComputeCategory", T_STORED,
     "Returned comma-separated."},
    {"ComputeCategory", OP_DESCRIBE | OP_PRICE, 0, 's', 0, 0, "Economy|General", "Economy", "", "-", T_USED,
     "Describe: a filter; price: accepted."},
    {"ImageAccelerateMode", OP_CREATE, 0, 's', 0, 0, "nydus|dadi|p2p|imc", "nydus", "",
     "admin:Settings.ImageAccelerateMode", T_SETTING, ""},
    {"InsecureRegistry", OP_CREATE | OP_IC_CREATE, 0, 's', 1, 1024, "@hostlist", "reg.example.com", "",
     "admin:Settings.InsecureRegistry", T_SETTING, "Comma-separated registries."},
    {"PlainHttpRegistry", OP_CREATE | OP_IC_CREATE, 0, 's', 1, 1024, "@hostlist", "reg.example.com:5000", "",
     "admin:Settings.PlainHttpRegistry", T_SETTING, "Comma-separated registries."},
    {"GpuDriverVersion", OP_CREATE, 0, 's', 0, 0, "tesla=470.82.01|tesla=525.85.12", "tesla=525.85.12", "",
     "admin:Settings.GpuDriverVersion", T_SETTING, ""},
    {"Ipv6GatewayBandwidthEnable", OP_CREATE, 0, 'b', 0, 0, "", "true", "",
     "admin:Settings.Ipv6GatewayBandwidthEnable", T_SETTING, ""},
    {"Ipv6GatewayBandwidth", OP_CREATE, 0, 's', 1, 16, "@digits", "100", "",
     "admin:Settings.Ipv6GatewayBandwidth", T_SETTING, "Mbit/s."},
    {"DataCacheBucket", OP_CREATE, 0, 's', 1, 128, "@text", "default", "", "admin:Settings.DataCacheBucket",
     T_SETTING, ""},
    {"DataCachePL", OP_CREATE, 0, 's', 0, 0, "PL0|PL1|PL2|PL3", "PL1", "", "admin:Settings.DataCachePL", T_SETTING, ""},
    {"DataCacheProvisionedIops", OP_CREATE, 0, 'i', 0, 50000, "", "1000", "",
     "admin:Settings.DataCacheProvisionedIops", T_SETTING, ""},
    {"DataCacheBurstingEnabled", OP_CREATE, 0, 'b', 0, 0, "", "true", "",
     "admin:Settings.DataCacheBurstingEnabled", T_SETTING, ""},
    {"ScheduleStrategy", OP_CREATE, 0, 's', 0, 0, "VSwitchOrdered|VSwitchRandom", "VSwitchRandom", "",
     "admin:Settings.ScheduleStrategy", T_SETTING, ""},
    {"OverheadReservationOption.EnableOverheadReservation", OP_CREATE, 0, 'b', 0, 0, "", "true", "",
     "admin:Settings.OverheadReservationOption.EnableOverheadReservation", T_SETTING, ""},
    {"CpuOptionsHt", OP_CREATE, 0, 's', 1, 64, "@text", "walk", "", "admin:Settings.CpuOptionsHt", T_SETTING,
     "Sent by the core SDK only."},
    {"EciFailStrategy", OP_CREATE, 0, 's', 1, 64, "@text", "fail-fast", "", "admin:Settings.EciFailStrategy", T_SETTING,
     "Sent by the core SDK only."},
    {"Arns.N.RoleArn", OP_CREATE, 0, 's', 8, 256, "@arn", "acs:ram::3:role/walk", "", "admin:Settings.Arns.N.RoleArn",
     T_SETTING, "Sent by the core SDK only."},
    {"Arns.N.RoleType", OP_CREATE, 0, 's', 1, 64, "@text", "service", "Arns.N.RoleArn=acs:ram::3:role/w",
     "admin:Settings.Arns.N.RoleType", T_SETTING, "Sent by the core SDK only."},
    {"Arns.N.AssumeRoleFor", OP_CREATE, 0, 's', 1, 64, "@text", "1000000000000002", "Arns.N.RoleArn=acs:ram::3:role/w",
     "admin:Settings.Arns.N.AssumeRoleFor", T_SETTING, "Sent by the core SDK only."},
    {"UpdateType", OP_UPDATE, 0, 's', 0, 0, "RenewUpdate|IncrementalUpdate", "IncrementalUpdate", "", "-", T_USED,
     "RenewUpdate (default): the lists given replace the group's; IncrementalUpdate: a container given "
     "replaces the one of the same name, the others are kept."},

    /* tags, credentials, ACR */
    {"Tag.N.Key", CU | OP_DESCRIBE | OP_STATUS | OP_EVENTS | OP_IC_CREATE | OP_IC_DESCRIBE, 0, 's', 1, 128, "@tagkey",
     "walk-key", "", "Tags[].Key", T_STORED, "At most 20; unique; no aliyun/acs: prefix, no http(s)://. A filter for the describe calls."},
    {"Tag.N.Value", CU | OP_DESCRIBE | OP_STATUS | OP_EVENTS | OP_IC_CREATE | OP_IC_DESCRIBE, 0, 's', 0, 128,
     "@tagvalue", "walk-value", "Tag.N.Key=walk-key", "Tags[].Value", T_STORED, ""},
    {"ImageRegistryCredential.N.Server", CU | OP_IC_CREATE, 0, 's', 1, 256, "@registry", "reg.example.com", 
     "ImageRegistryCredential.N.UserName=u&ImageRegistryCredential.N.Password=p",
     "admin:ImageRegistryCredentials[].Server", T_STORED, "At most 10; no http(s):// prefix."},
    {"ImageRegistryCredential.N.UserName", CU | OP_IC_CREATE, 0, 's', 1, 256, "@text", "walk-user",
     "ImageRegistryCredential.N.Server=reg.example.com&ImageRegistryCredential.N.Password=p",
     "admin:ImageRegistryCredentials[].UserName", T_STORED, ""},
    {"ImageRegistryCredential.N.Password", CU | OP_IC_CREATE, 0, 's', 1, 1024, "@text", "walk-secret",
     "ImageRegistryCredential.N.Server=reg.example.com&ImageRegistryCredential.N.UserName=u",
     "admin:ImageRegistryCredentials[].Password", T_STORED, "Returned only as its SHA-256 (sha256:HEX)."},
    {"AcrRegistryInfo.N.InstanceId", CU | OP_IC_CREATE, 0, 's', 4, 64, "@id:cri-", "cri-walk00000001", "",
     "admin:AcrRegistryInfos[].InstanceId", T_STORED, ""},
    {"AcrRegistryInfo.N.InstanceName", CU | OP_IC_CREATE, 0, 's', 1, 128, "@text", "walk-acr", "",
     "admin:AcrRegistryInfos[].InstanceName", T_STORED, ""},
    {"AcrRegistryInfo.N.RegionId", CU | OP_IC_CREATE, 0, 's', 1, 64, "@regionname", "cn-beijing", "",
     "admin:AcrRegistryInfos[].RegionId", T_STORED, ""},
    {"AcrRegistryInfo.N.Domain.N", CU | OP_IC_CREATE, 0, 's', 1, 253, "@hostname", "walk-registry.cn-beijing.cr.aliyuncs.com",
     "", "admin:AcrRegistryInfos[].Domains[]", T_STORED, ""},
    {"AcrRegistryInfo.NDomain.N", OP_CREATE | OP_IC_CREATE, 0, 's', 1, 253, "@hostname", "walk-core.cn-beijing.cr.aliyuncs.com",
     "", "admin:AcrRegistryInfos[].Domains[]", T_STORED,
     "The core SDK's spelling of AcrRegistryInfo.N.Domain.N (no dot after the index)."},
    {"AcrRegistryInfo.N.ArnService", OP_CREATE | OP_IC_CREATE, 0, 's', 8, 256, "@arn", "acs:ram::1:role/walk", "",
     "admin:AcrRegistryInfos[].ArnService", T_STORED, ""},
    {"AcrRegistryInfo.N.ArnUser", OP_CREATE | OP_IC_CREATE, 0, 's', 8, 256, "@arn", "acs:ram::2:role/walk", "",
     "admin:AcrRegistryInfos[].ArnUser", T_STORED, ""},

    /* DNS, host aliases, sysctls, NTP */
    {"DnsConfig.NameServer.N", CU, 0, 's', 2, 45, "@ip", "10.0.0.10", "", "DnsConfig.NameServers[]", T_STORED,
     "At most 3; the containers' resolv.conf."},
    {"DnsConfig.Search.N", CU, 0, 's', 1, 253, "@hostname", "walk.svc.local", "", "DnsConfig.Searches[]", T_STORED,
     "At most 6."},
    {"DnsConfig.Option.N.Name", CU, 0, 's', 1, 64, "@optname", "ndots", "", "DnsConfig.Options[].Name", T_STORED, ""},
    {"DnsConfig.Option.N.Value", CU, 0, 's', 0, 256, "@text", "3", "DnsConfig.Option.N.Name=ndots",
     "DnsConfig.Options[].Value", T_STORED, ""},
    {"HostAliase.N.Ip", OP_CREATE, 0, 's', 2, 45, "@ip", "10.9.9.9", "", "HostAliases[].Ip", T_STORED, ""},
    {"HostAliase.N.Hostname.N", OP_CREATE, 0, 's', 1, 253, "@hostname", "walk.example", "HostAliase.N.Ip=10.9.9.9",
     "HostAliases[].Hostnames[]", T_STORED, ""},
    {"SecurityContext.Sysctl.N.Name", OP_CREATE, 0, 's', 1, 128, "@sysctl-safe", "net.ipv4.ping_group_range",
     "SecurityContext.Sysctl.N.Value=0 1000", "EciSecurityContext.Sysctls[].Name", T_STORED,
     "Safe sysctls only (net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.ip_local_port_range)."},
    {"SecurityContext.Sysctl.N.Value", OP_CREATE, 0, 's', 1, 256, "@text", "0 2000",
     "SecurityContext.Sysctl.N.Name=net.ipv4.ping_group_range", "EciSecurityContext.Sysctls[].Value", T_STORED, ""},
    {"HostSecurityContext.Sysctl.N.Name", OP_CREATE, 0, 's', 1, 128, "@sysctl-host", "kernel.msgmax",
     "HostSecurityContext.Sysctl.N.Value=65536", "admin:HostSecurityContext.Sysctls[].Name", T_STORED,
     "Namespaced unsafe sysctls ECI allows (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.*)."},
    {"HostSecurityContext.Sysctl.N.Value", OP_CREATE, 0, 's', 1, 256, "@text", "65536",
     "HostSecurityContext.Sysctl.N.Name=kernel.msgmax", "admin:HostSecurityContext.Sysctls[].Value", T_STORED, ""},
    {"NtpServer.N", OP_CREATE, 0, 's', 1, 253, "@hostname", "ntp.walk.example", "", "admin:NtpServers[]", T_STORED, ""},

    /* volumes */
    {"Volume.N.Name", CU, 0, 's', 1, 128, "@name", "vol-walk", "Volume.N.Type=EmptyDirVolume", "Volumes[].Name",
     T_STORED, "At most 20; unique."},
    {"Volume.N.Type", CU, 0, 's', 0, 0, "EmptyDirVolume|NFSVolume|ConfigFileVolume|FlexVolume|DiskVolume|HostPathVolume",
     "EmptyDirVolume", "Volume.N.Name=vol-walk", "Volumes[].Type", T_STORED, ""},
    {"Volume.N.EmptyDirVolume.Medium", CU, 0, 's', 0, 0, "Memory|memory|LocalRaid0", "Memory",
     "Volume.N.Name=vol-walk&Volume.N.Type=EmptyDirVolume", "Volumes[].EmptyDirVolumeMedium", T_STORED, ""},
    {"Volume.N.EmptyDirVolume.SizeLimit", CU, 0, 's', 1, 32, "@quantity", "256Mi",
     "Volume.N.Name=vol-walk&Volume.N.Type=EmptyDirVolume", "Volumes[].EmptyDirVolumeSizeLimit", T_STORED, ""},
    {"Volume.N.NFSVolume.Server", CU, 0, 's', 1, 253, "@hostname", "nas.walk.example",
     "Volume.N.Name=vol-walk&Volume.N.Type=NFSVolume&Volume.N.NFSVolume.Path=/share", "Volumes[].NFSVolumeServer",
     T_STORED, ""},
    {"Volume.N.NFSVolume.Path", CU, 0, 's', 1, 1024, "@abspath", "/share/walk",
     "Volume.N.Name=vol-walk&Volume.N.Type=NFSVolume&Volume.N.NFSVolume.Server=nas.walk.example",
     "Volumes[].NFSVolumePath", T_STORED, ""},
    {"Volume.N.NFSVolume.ReadOnly", CU, 0, 'b', 0, 0, "", "true",
     "Volume.N.Name=vol-walk&Volume.N.Type=NFSVolume&Volume.N.NFSVolume.Server=nas.walk.example&Volume.N.NFSVolume.Path=/s",
     "Volumes[].NFSVolumeReadOnly", T_STORED, ""},
    {"Volume.N.ConfigFileVolume.DefaultMode", OP_CREATE, 0, 'i', 0, 511, "@mode", "0600",
     "Volume.N.Name=vol-walk&Volume.N.Type=ConfigFileVolume&Volume.N.ConfigFileVolume.ConfigFileToPath.N.Path=a",
     "admin:Volumes[].ConfigFileVolumeDefaultMode", T_STORED, "Octal (0644) or decimal (420)."},
    {"Volume.N.ConfigFileVolume.DefaultModel", OP_CREATE, 0, 'i', 0, 511, "@mode", "0640",
     "Volume.N.Name=vol-walk&Volume.N.Type=ConfigFileVolume&Volume.N.ConfigFileVolume.ConfigFileToPath.N.Path=a",
     "admin:Volumes[].ConfigFileVolumeDefaultMode", T_STORED, "The core SDK's spelling of DefaultMode."},
    {"Volume.N.ConfigFileVolume.ConfigFileToPath.N.Path", CU, 0, 's', 1, 1024, "@relpath", "walk/a.txt",
     "Volume.N.Name=vol-walk&Volume.N.Type=ConfigFileVolume", "Volumes[].ConfigFileVolumeConfigFileToPaths[].Path",
     T_STORED, ""},
    {"Volume.N.ConfigFileVolume.ConfigFileToPath.N.Content", CU, 0, 's', 0, 43692, "@base64", "d2Fsaw==",
     "Volume.N.Name=vol-walk&Volume.N.Type=ConfigFileVolume&Volume.N.ConfigFileVolume.ConfigFileToPath.N.Path=a",
     "Volumes[].ConfigFileVolumeConfigFileToPaths[].Content", T_STORED, "Base64; at most 32 KB decoded."},
    {"Volume.N.ConfigFileVolume.ConfigFileToPath.N.Mode", OP_CREATE, 0, 'i', 0, 511, "@mode", "0400",
     "Volume.N.Name=vol-walk&Volume.N.Type=ConfigFileVolume&Volume.N.ConfigFileVolume.ConfigFileToPath.N.Path=a",
     "admin:Volumes[].ConfigFileVolumeConfigFileToPaths[].Mode", T_STORED, "Octal (0644) or decimal (420)."},
    {"Volume.N.DiskVolume.DiskId", OP_CREATE, 0, 's', 3, 64, "@id:d-", "d-walk0000000001",
     "Volume.N.Name=vol-walk&Volume.N.Type=DiskVolume", "Volumes[].DiskVolumeDiskId", T_STORED, ""},
    {"Volume.N.DiskVolume.DiskSize", OP_CREATE, 0, 'i', 1, 32768, "", "40",
     "Volume.N.Name=vol-walk&Volume.N.Type=DiskVolume", "admin:Volumes[].DiskVolumeDiskSize", T_STORED, "GiB."},
    {"Volume.N.DiskVolume.FsType", OP_CREATE, 0, 's', 0, 0, "xfs|ext4|ext3", "xfs",
     "Volume.N.Name=vol-walk&Volume.N.Type=DiskVolume", "Volumes[].DiskVolumeFsType", T_STORED, ""},
    {"Volume.N.FlexVolume.Driver", CU, 0, 's', 1, 128, "@text", "alicloud/disk",
     "Volume.N.Name=vol-walk&Volume.N.Type=FlexVolume", "Volumes[].FlexVolumeDriver", T_STORED, ""},
    {"Volume.N.FlexVolume.FsType", CU, 0, 's', 0, 0, "xfs|ext4|ext3|nfs", "ext4",
     "Volume.N.Name=vol-walk&Volume.N.Type=FlexVolume&Volume.N.FlexVolume.Driver=alicloud/disk",
     "Volumes[].FlexVolumeFsType", T_STORED, ""},
    {"Volume.N.FlexVolume.Options", CU, 0, 's', 2, 4096, "@jsonobject", "{\"volumeId\":\"d-walk\"}",
     "Volume.N.Name=vol-walk&Volume.N.Type=FlexVolume&Volume.N.FlexVolume.Driver=alicloud/disk",
     "Volumes[].FlexVolumeOptions", T_STORED, "A JSON object."},
    {"Volume.N.HostPathVolume.Path", CU, 0, 's', 1, 1024, "@abspath", "/tmp/walk",
     "Volume.N.Name=vol-walk&Volume.N.Type=HostPathVolume", "admin:Volumes[].HostPathVolumePath", T_STORED, ""},
    {"Volume.N.HostPathVolume.Type", CU, 0, 's', 0, 0, "Directory|File", "Directory",
     "Volume.N.Name=vol-walk&Volume.N.Type=HostPathVolume&Volume.N.HostPathVolume.Path=/tmp",
     "admin:Volumes[].HostPathVolumeType", T_STORED, ""},

    /* ---- containers ("*." = Container.N. / InitContainer.N.) ---- */
    {"*.Name", CU, CU, 's', 1, 128, "@name", "walk-c", "*.Image=busybox", "*[].Name", T_STORED,
     "Unique among containers and init containers."},
    {"*.Image", CU, CU, 's', 1, 512, "@image", "nginx:1.25", "*.Name=walk-c", "*[].Image", T_STORED, ""},
    {"*.Cpu", CU, CU, 'f', 0, 64, "", "0.5", "", "*[].Cpu", T_STORED, ""},
    {"*.Memory", CU, CU, 'f', 0, 512, "", "1", "", "*[].Memory", T_STORED, "GiB."},
    {"*.Gpu", CU, CU, 'i', 0, 8, "", "1", "", "*[].Gpu", T_STORED, ""},
    {"*.ImagePullPolicy", CU, CU, 's', 0, 0, "Always|IfNotPresent|Never", "Never", "", "*[].ImagePullPolicy",
     T_STORED, ""},
    {"*.WorkingDir", CU, CU, 's', 1, 1024, "@abspath", "/srv/walk", "", "*[].WorkingDir", T_STORED, ""},
    {"*.Command.N", CU, CU, 's', 0, 256, "@text", "walkcmd", "", "Containers[].Commands[]|InitContainers[].Command[]",
     T_STORED, "At most 20 items of 256 characters."},
    {"*.Arg.N", CU, CU, 's', 0, 4096, "@text", "walk-arg", "", "*[].Args[]", T_STORED, "At most 10."},
    {"*.Tty", CU, OP_UPDATE, 'b', 0, 0, "", "true", "", "Containers[].Tty|admin:InitContainers[].Tty", T_STORED, ""},
    {"*.Stdin", CU, OP_UPDATE, 'b', 0, 0, "", "true", "", "Containers[].Stdin|admin:InitContainers[].Stdin", T_STORED, ""},
    {"*.StdinOnce", CU, OP_UPDATE, 'b', 0, 0, "", "true", "", "Containers[].StdinOnce|admin:InitContainers[].StdinOnce",
     T_STORED, ""},
    {"*.EnvironmentVar.N.Key", CU, CU, 's', 1, 128, "@envkey", "WALK_KEY", "", "*[].EnvironmentVars[].Key", T_STORED,
     "At most 100."},
    {"*.EnvironmentVar.N.Value", CU, CU, 's', 0, 256, "@text", "walk value", "*.EnvironmentVar.N.Key=WALK",
     "*[].EnvironmentVars[].Value", T_STORED, ""},
    {"*.EnvironmentVar.N.FieldRef.FieldPath", CU, CU, 's', 0, 0, "status.podIP", "status.podIP",
     "*.EnvironmentVar.N.Key=WALK", "*[].EnvironmentVars[].ValueFrom.FieldRef.FieldPath", T_STORED,
     "Not together with a Value."},
    {"*.EnvironmentVarHide", OP_CREATE, 0, 'b', 0, 0, "", "true", "", "admin:Containers[].EnvironmentVarHide", T_STORED,
     "true: DescribeContainerGroups returns no EnvironmentVars for the container."},
    {"*.Port.N.Port", CU, CU, 'i', 1, 65535, "", "8080", "", "*[].Ports[].Port", T_STORED, "At most 100."},
    {"*.Port.N.Protocol", CU, CU, 's', 0, 0, "TCP|UDP", "UDP", "*.Port.N.Port=53", "*[].Ports[].Protocol", T_STORED,
     none_unset},
    {"*.VolumeMount.N.Name", CU, CU, 's', 1, 128, "@name", "vol-walk",
     "Volume.N.Name=vol-walk&Volume.N.Type=EmptyDirVolume&*.VolumeMount.N.MountPath=/walk", "*[].VolumeMounts[].Name",
     T_STORED, "Names a volume of the group; at most 16."},
    {"*.VolumeMount.N.MountPath", CU, CU, 's', 1, 1024, "@abspath", "/walk/data",
     "Volume.N.Name=vol-walk&Volume.N.Type=EmptyDirVolume&*.VolumeMount.N.Name=vol-walk",
     "*[].VolumeMounts[].MountPath", T_STORED, ""},
    {"*.VolumeMount.N.ReadOnly", CU, CU, 'b', 0, 0, "", "true",
     "Volume.N.Name=vol-walk&Volume.N.Type=EmptyDirVolume&*.VolumeMount.N.Name=vol-walk&*.VolumeMount.N.MountPath=/w",
     "*[].VolumeMounts[].ReadOnly", T_STORED, none_unset},
    {"*.VolumeMount.N.SubPath", CU, CU, 's', 1, 1024, "@relpath", "walk/sub",
     "Volume.N.Name=vol-walk&Volume.N.Type=EmptyDirVolume&*.VolumeMount.N.Name=vol-walk&*.VolumeMount.N.MountPath=/w",
     "Containers[].VolumeMounts[].SubPath|admin:InitContainers[].VolumeMounts[].SubPath", T_STORED, ""},
    {"*.VolumeMount.N.MountPropagation", CU, CU, 's', 0, 0, "None|HostToCotainer|HostToContainer|Bidirectional",
     "Bidirectional",
     "Volume.N.Name=vol-walk&Volume.N.Type=EmptyDirVolume&*.VolumeMount.N.Name=vol-walk&*.VolumeMount.N.MountPath=/w",
     "*[].VolumeMounts[].MountPropagation", T_STORED, ""},
    {"*.SecurityContext.Capability.Add.N", CU, CU, 's', 0, 0, "NET_ADMIN|NET_RAW", "NET_ADMIN", "",
     "*[].SecurityContext.Capability.Adds[]", T_STORED, ""},
    {"*.SecurityContext.ReadOnlyRootFilesystem", CU, CU, 'b', 0, 0, "@true-only", "true", "",
     "*[].SecurityContext.ReadOnlyRootFilesystem", T_STORED, "Only true (400 InvalidParameter)."},
    {"*.SecurityContext.RunAsUser", CU, CU, 'i', 0, 2147483647, "", "1000", "", "*[].SecurityContext.RunAsUser",
     T_STORED, ""},
    {"*.SecurityContextRunAsGroup", OP_CREATE, 0, 'i', 0, 2147483647, "", "3000", "",
     "admin:Containers[].SecurityContext.RunAsGroup", T_STORED, ""},
    {"*.SecurityContextRunAsNonRoot", OP_CREATE, 0, 'b', 0, 0, "", "true", "",
     "admin:Containers[].SecurityContext.RunAsNonRoot", T_STORED, ""},
    {"*.SecurityContextPrivileged", OP_CREATE, 0, 'b', 0, 0, "", "true", "",
     "admin:Containers[].SecurityContext.Privileged", T_STORED, ""},
    {"*.TerminationMessagePath", OP_CREATE, OP_CREATE, 's', 1, 1024, "@abspath", "/dev/walk-log", "",
     "admin:*[].TerminationMessagePath", T_STORED, ""},
    {"*.TerminationMessagePolicy", OP_CREATE, OP_CREATE, 's', 0, 0, "File|FallbackToLogsOnError",
     "FallbackToLogsOnError", "", "admin:*[].TerminationMessagePolicy", T_STORED, ""},

    /* probes (containers only) */
#define PROBE(P, RP)                                                                                              \
    {"*." P ".Exec.Command.N", CU, 0, 's', 0, 4096, "@text", "true", "", "Containers[]." RP ".Execs[]", T_STORED,   \
     "Exactly one of Exec, HttpGet, TcpSocket."},                                                                 \
    {"*." P ".HttpGet.Path", CU, 0, 's', 1, 1024, "@abspath", "/walkz", "*." P ".HttpGet.Port=8080",               \
     "Containers[]." RP ".HttpGet.Path", T_STORED, ""},                                                            \
    {"*." P ".HttpGet.Port", CU, 0, 'i', 1, 65535, "", "8081", "", "Containers[]." RP ".HttpGet.Port", T_STORED, ""}, \
    {"*." P ".HttpGet.Scheme", CU, 0, 's', 0, 0, "HTTP|HTTPS", "HTTPS", "*." P ".HttpGet.Port=8080",              \
     "Containers[]." RP ".HttpGet.Scheme", T_STORED, ""},                                                          \
    {"*." P ".TcpSocket.Port", CU, 0, 'i', 1, 65535, "", "8082", "", "Containers[]." RP ".TcpSocket.Port",         \
     T_STORED, ""},                                                                                                \
    {"*." P ".InitialDelaySeconds", CU, 0, 'i', 0, 86400, "", "7", "*." P ".TcpSocket.Port=80",                   \
     "Containers[]." RP ".InitialDelaySeconds", T_STORED, ""},                                                     \
    {"*." P ".PeriodSeconds", CU, 0, 'i', 1, 86400, "", "7", "*." P ".TcpSocket.Port=80",                          \
     "Containers[]." RP ".PeriodSeconds", T_STORED, ""},                                                           \
    {"*." P ".TimeoutSeconds", CU, 0, 'i', 1, 86400, "", "7", "*." P ".TcpSocket.Port=80",                         \
     "Containers[]." RP ".TimeoutSeconds", T_STORED, ""},                                                          \
    {"*." P ".FailureThreshold", CU, 0, 'i', 1, 1000, "", "7", "*." P ".TcpSocket.Port=80",                        \
     "Containers[]." RP ".FailureThreshold", T_STORED, ""}
    PROBE("LivenessProbe", "LivenessProbe"),
    {"*.LivenessProbe.SuccessThreshold", CU, 0, 'i', 1, 1, "", "1", "*.LivenessProbe.TcpSocket.Port=80",
     "Containers[].LivenessProbe.SuccessThreshold", T_STORED, "Must be 1."},
    PROBE("ReadinessProbe", "ReadinessProbe"),
    {"*.ReadinessProbe.SuccessThreshold", CU, 0, 'i', 1, 1000, "", "2", "*.ReadinessProbe.TcpSocket.Port=80",
     "Containers[].ReadinessProbe.SuccessThreshold", T_STORED, ""},
#undef PROBE

    /* lifecycle hooks (containers only; no dot before the handler kind) */
#define HOOK(H, R)                                                                                                \
    {"*." H "Exec.N", CU, 0, 's', 0, 4096, "@text", "true", "", "admin:Containers[]." R ".Exec[]", T_STORED,        \
     "At most one of Exec, HttpGet, TcpSocket."},                                                                 \
    {"*." H "HttpGetHost", CU, 0, 's', 1, 253, "@hostname", "127.0.0.1", "*." H "HttpGetPort=8080",                 \
     "admin:Containers[]." R ".HttpGet.Host", T_STORED, ""},                                                      \
    {"*." H "HttpGetPath", CU, 0, 's', 1, 1024, "@abspath", "/hook", "*." H "HttpGetPort=8080",                     \
     "admin:Containers[]." R ".HttpGet.Path", T_STORED, ""},                                                      \
    {"*." H "HttpGetPort", CU, 0, 'i', 1, 65535, "", "8083", "", "admin:Containers[]." R ".HttpGet.Port", T_STORED, ""}, \
    {"*." H "HttpGetScheme", CU, 0, 's', 0, 0, "HTTP|HTTPS", "HTTPS", "*." H "HttpGetPort=8080",                    \
     "admin:Containers[]." R ".HttpGet.Scheme", T_STORED, ""},                                                    \
    {"*." H "TcpSocketHost", CU, 0, 's', 1, 253, "@hostname", "127.0.0.1", "*." H "TcpSocketPort=80",               \
     "admin:Containers[]." R ".TcpSocket.Host", T_STORED, ""},                                                    \
    {"*." H "TcpSocketPort", CU, 0, 'i', 1, 65535, "", "8084", "", "admin:Containers[]." R ".TcpSocket.Port",       \
     T_STORED, ""}
    HOOK("LifecyclePostStartHandler", "Lifecycle.PostStart"),
    HOOK("LifecyclePreStopHandler", "Lifecycle.PreStop"),
#undef HOOK
    {"*.LifecyclePostStartHandlerHttpGetHttpHeader.N.Name", OP_CREATE, 0, 's', 1, 128, "@header", "X-Walk",
     "*.LifecyclePostStartHandlerHttpGetPort=8080", "admin:Containers[].Lifecycle.PostStart.HttpGet.HttpHeaders[].Name",
     T_STORED, ""},
    {"*.LifecyclePostStartHandlerHttpGetHttpHeader.N.Value", OP_CREATE, 0, 's', 0, 1024, "@text", "walk",
     "*.LifecyclePostStartHandlerHttpGetPort=8080&*.LifecyclePostStartHandlerHttpGetHttpHeader.N.Name=X-A",
     "admin:Containers[].Lifecycle.PostStart.HttpGet.HttpHeaders[].Value", T_STORED, ""},
    {"*.LifecyclePostStartHandlerHttpGetHttpHeaders.N.Name", OP_UPDATE, 0, 's', 1, 128, "@header", "X-Walk",
     "*.LifecyclePostStartHandlerHttpGetPort=8080", "admin:Containers[].Lifecycle.PostStart.HttpGet.HttpHeaders[].Name",
     T_STORED, "UpdateContainerGroup's spelling (the SDK's)."},
    {"*.LifecyclePostStartHandlerHttpGetHttpHeaders.N.Value", OP_UPDATE, 0, 's', 0, 1024, "@text", "walk",
     "*.LifecyclePostStartHandlerHttpGetPort=8080&*.LifecyclePostStartHandlerHttpGetHttpHeaders.N.Name=X-A",
     "admin:Containers[].Lifecycle.PostStart.HttpGet.HttpHeaders[].Value", T_STORED, ""},
    {"*.LifecyclePreStopHandlerHttpGetHttpHeader.N.Name", CU, 0, 's', 1, 128, "@header", "X-Walk",
     "*.LifecyclePreStopHandlerHttpGetPort=8080", "admin:Containers[].Lifecycle.PreStop.HttpGet.HttpHeaders[].Name",
     T_STORED, ""},
    {"*.LifecyclePreStopHandlerHttpGetHttpHeader.N.Value", CU, 0, 's', 0, 1024, "@text", "walk",
     "*.LifecyclePreStopHandlerHttpGetPort=8080&*.LifecyclePreStopHandlerHttpGetHttpHeader.N.Name=X-A",
     "admin:Containers[].Lifecycle.PreStop.HttpGet.HttpHeaders[].Value", T_STORED, ""},

    /* ---- the other operations ---- */
    {"ContainerGroupIds", OP_DESCRIBE | OP_STATUS | OP_EVENTS | OP_MMETRIC, 0, 's', 2, 4096, "@jsonstrv", "", "", "-",
     T_USED, "A JSON array of at most 20 ids."},
    {"ContainerGroupName", OP_DESCRIBE, 0, 's', 1, 128, "@text", "", "", "-", T_USED, "Exact-name filter."},
    {"Status", OP_DESCRIBE, 0, 's', 1, 256, "@text", "", "", "-", T_USED, "A status, a comma list or a JSON array."},
    {"Limit", OP_DESCRIBE | OP_STATUS | OP_EVENTS | OP_IC_DESCRIBE, 0, 'i', -2147483647, 2147483647, "", "", "", "-",
     T_USED, "Page size (range per operation; DescribeImageCaches 1-20, default 20)."},
    {"NextToken", OP_DESCRIBE | OP_STATUS | OP_EVENTS | OP_IC_DESCRIBE, 0, 's', 0, 256, "@text", "", "", "-", T_USED,
     "Opaque paging token."},
    {"Force", OP_DELETE, 0, 'b', 0, 0, "", "", "", "-", T_USED, "The group is deleted at once either way."},
    {"Condition.N.Type", OP_EVENTS, 0, 's', 1, 64, "@text", "", "", "-", T_USED,
     "Accepted; events are not filtered by condition."},
    {"Condition.N.Status", OP_EVENTS, 0, 's', 1, 64, "@text", "", "", "-", T_USED,
     "Accepted; events are not filtered by condition."},
    {"WithEvent", OP_DESCRIBE, 0, 'b', 0, 0, "", "", "", "-", T_USED, "Events are returned either way."},
    {"SinceSecond", OP_STATUS | OP_EVENTS, 0, 'i', 0, 2147483647, "", "", "", "-", T_USED, "Changed in the last N seconds."},
    {"EventSource", OP_EVENTS, 0, 's', 0, 0, "EciService|K8sAgent", "", "", "-", T_USED, ""},
    {"ContainerName", OP_LOG | OP_EXEC, 0, 's', 1, 128, "@text", "", "", "-", T_USED, ""},
    {"StartTime", OP_LOG | OP_METRIC, 0, 's', 1, 64, "@text", "", "", "-", T_USED, "RFC 3339."},
    {"EndTime", OP_METRIC, 0, 's', 1, 64, "@text", "", "", "-", T_USED, "RFC 3339."},
    {"Tail", OP_LOG, 0, 'i', -2147483647, 2147483647, "", "", "", "-", T_USED, "1-2000 (default 500)."},
    {"LimitBytes", OP_LOG, 0, 'i', -2147483647, 2147483647, "", "", "", "-", T_USED, "1-1048576."},
    {"SinceSeconds", OP_LOG, 0, 'i', -2147483647, 2147483647, "", "", "", "-", T_USED, ""},
    {"LastTime", OP_LOG, 0, 'b', 0, 0, "", "", "", "-", T_USED, "The previous run's log."},
    {"Timestamps", OP_LOG, 0, 'b', 0, 0, "", "", "", "-", T_USED, ""},
    {"Command", OP_EXEC, 0, 's', 1, 65536, "@text", "", "", "-", T_USED, "Plain text or a JSON array (at most 20 items)."},
    {"TTY", OP_EXEC, 0, 'b', 0, 0, "", "", "", "-", T_USED, ""},
    {"Stdin", OP_EXEC, 0, 'b', 0, 0, "", "", "", "-", T_USED, ""},
    {"Sync", OP_EXEC, 0, 'b', 0, 0, "", "", "", "-", T_USED, ""},
    {"Period", OP_METRIC, 0, 'i', -2147483647, 2147483647, "", "", "", "-", T_USED, "15, 30, 60 or 600."},
    {"MetricType", OP_MMETRIC, 0, 's', 1, 64, "@text", "", "", "-", T_USED, "Accepted; every figure is returned."},
    {"ImageCacheName", OP_IC_CREATE | OP_IC_DESCRIBE, 0, 's', 1, 128, "@text", "", "", "-", T_USED, ""},
    {"ImageCacheId", OP_IC_DESCRIBE | OP_IC_DELETE, 0, 's', 1, 64, "@text", "", "", "-", T_USED, ""},
    {"Image.N", OP_IC_CREATE, 0, 's', 1, 512, "@image", "", "", "-", T_USED, "At most 20 images."},
    {"Image", OP_IC_DESCRIBE, 0, 's', 1, 512, "@text", "", "", "-", T_USED, "Filter."},
    {"ImageCacheSize", OP_IC_CREATE, 0, 'i', -2147483647, 2147483647, "", "", "", "-", T_USED, "20-2000 GiB."},
    {"RetentionDays", OP_IC_CREATE, 0, 'i', -2147483647, 2147483647, "", "", "", "-", T_USED, ""},
    {"Annotations", OP_IC_CREATE, 0, 's', 0, 4096, "@text", "", "", "-", T_USED, "Accepted, no effect."},
    {"EliminationStrategy", OP_IC_CREATE, 0, 's', 0, 0, "LRU", "", "", "-", T_USED,
     "Returned by DescribeImageCaches."},
    {"Flash", OP_IC_CREATE, 0, 'b', 0, 0, "", "", "", "-", T_USED, "Accepted, no effect."},
    {"FlashCopyCount", OP_IC_CREATE, 0, 'i', 0, 10, "", "", "", "-", T_USED, "Accepted, no effect."},
    {"StandardCopyCount", OP_IC_CREATE, 0, 'i', 0, 10, "", "", "", "-", T_USED, "Accepted, no effect."},
    {"SnapshotId", OP_IC_DESCRIBE, 0, 's', 1, 64, "@text", "", "", "-", T_USED, "Filter."},
    {"ImageFullMatch", OP_IC_DESCRIBE, 0, 'b', 0, 0, "", "", "", "-", T_USED, "Accepted, no effect."},
    {"ImageMatchCountRequest", OP_IC_DESCRIBE, 0, 'b', 0, 0, "", "", "", "-", T_USED, "Accepted, no effect."},
    {"MatchImage.N", OP_IC_DESCRIBE, 0, 's', 1, 512, "@text", "", "", "-", T_USED, "Filter: caches holding any of them."},
};
#define NROWS (sizeof k_rows / sizeof k_rows[0])

/* The common and signature parameters, checked by auth.c. */
static int common_param(const char *k)
{
    static const char *const common[] = {"Action", "Version", "Format", "AccessKeyId", "Signature",
                                         "SignatureMethod", "SignatureVersion", "SignatureNonce",
                                         "SignatureType", "Timestamp", "SecurityToken", NULL};
    for (int i = 0; common[i]; i++)
        if (strcmp(k, common[i]) == 0)
            return 1;
    return 0;
}

unsigned emu_param_op_bit(const char *action)
{
    for (size_t i = 0; i < sizeof k_ops / sizeof k_ops[0]; i++)
        if (action && strcmp(k_ops[i].name, action) == 0)
            return k_ops[i].bit;
    return 0;
}

/* The wire name of a row for a container kind: "*." -> prefix. */
static void expand(const char *pat, int init, char *out, size_t len)
{
    if (strncmp(pat, "*.", 2) == 0)
        snprintf(out, len, "%s%s", init ? "InitContainer.N." : "Container.N.", pat + 2);
    else
        snprintf(out, len, "%s", pat);
}

/* A request key with every all-digit component replaced by N. Returns -1
 * for a malformed index (leading zero, too long). */
static int normalise(const char *key, char *out, size_t len)
{
    size_t w = 0;
    const char *p = key;
    while (*p) {
        size_t n = strcspn(p, ".");
        int digits = n > 0;
        for (size_t i = 0; i < n; i++)
            if (!isdigit((unsigned char)p[i]))
                digits = 0;
        if (digits && (p[0] == '0' || n > 6))
            return -1;
        /* "1Domain" (an index, then a field name without the dot): the core
         * SDK's AcrRegistryInfo.1Domain.1 */
        size_t lead = 0;
        while (!digits && lead < n && isdigit((unsigned char)p[lead]))
            lead++;
        if (lead && p[0] != '0' && n - lead == 6 && strncmp(p + lead, "Domain", 6) == 0) {
            if (w + 1 + n - lead + 2 >= len)
                return -1;
            out[w++] = 'N';
            memcpy(out + w, p + lead, n - lead);
            w += n - lead;
            p += n;
            if (*p == '.')
                out[w++] = *p++;
            continue;
        }
        const char *src = digits ? "N" : p;
        size_t sn = digits ? 1 : n;
        if (w + sn + 2 >= len)
            return -1;
        memcpy(out + w, src, sn);
        w += sn;
        p += n;
        if (*p == '.')
            out[w++] = *p++;
    }
    out[w] = 0;
    return 0;
}

const emu_param_def *emu_param_find(unsigned opbit, const char *key, int *init)
{
    char norm[512], name[512];
    if (normalise(key, norm, sizeof norm))
        return NULL;
    for (size_t i = 0; i < NROWS; i++) {
        const emu_param_def *d = &k_rows[i];
        for (int k = 0; k < 2; k++) {
            unsigned ops = k ? d->iops : d->ops;
            if (!(ops & opbit) || (k && strncmp(d->name, "*.", 2) != 0))
                continue;
            expand(d->name, k, name, sizeof name);
            if (strcmp(name, norm) == 0) {
                if (init)
                    *init = k;
                return d;
            }
        }
    }
    return NULL;
}

/* ---- value checks ------------------------------------------------------- */

static int is_ip(const char *v, int v4only)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, v, buf) == 1 || (!v4only && inet_pton(AF_INET6, v, buf) == 1);
}

static int is_hostname(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 253 || v[0] == '.' || v[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)v[i]) || v[i] == '.' || v[i] == '-' || v[i] == '_'))
            return 0;
    return 1;
}

static int is_rel(const char *v)
{
    if (v[0] == '/')
        return 0;
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p += n;
        if (*p)
            p++;
    }
    return 1;
}

static int all_of(const char *v, const char *set, int alnum)
{
    for (const char *p = v; *p; p++)
        if (!((alnum && isalnum((unsigned char)*p)) || strchr(set, *p)))
            return 0;
    return 1;
}

static int in_values(const char *v, const char *values)
{
    size_t n = strlen(v);
    for (const char *p = values; *p;) {
        size_t m = strcspn(p, "|");
        if (m == n && strncmp(p, v, n) == 0)
            return 1;
        p += m;
        if (*p)
            p++;
    }
    return 0;
}

int emu_param_mode(const char *v, long *out)
{
    /* a permission as the SDKs send it: octal with a leading 0 (0644) or decimal (420) */
    char *end = NULL;
    errno = 0;
    long m = strtol(v, &end, v[0] == '0' && v[1] ? 8 : 10);
    if (errno || end == v || *end || m < 0 || m > 0777)
        return -1;
    *out = m;
    return 0;
}

int emu_sysctl_safe(const char *n)
{
    return !strcmp(n, "net.ipv4.ping_group_range") || !strcmp(n, "net.ipv4.ip_unprivileged_port_start") ||
           !strcmp(n, "net.ipv4.ip_local_port_range");
}

int emu_sysctl_host(const char *n)
{
    return (!strncmp(n, "kernel.shm", 10) && strcmp(n, "kernel.shm_rmid_forced") != 0) ||
           !strncmp(n, "kernel.msg", 10) || !strcmp(n, "kernel.sem") || !strncmp(n, "fs.mqueue.", 10) ||
           (!strncmp(n, "net.", 4) && strcmp(n, "net.ipv4.tcp_syncookies") != 0 && !emu_sysctl_safe(n));
}

/* Check a string against a row's format; NULL when fine, else the reason. */
static const char *check_format(const emu_param_def *d, const char *v)
{
    const char *f = d->rule;
    if (!f[0] || f[0] != '@')
        return in_values(v, f) ? NULL : "value not allowed";
    f++;
    if (!strcmp(f, "text"))
        return NULL;
    if (!strcmp(f, "region") || !strcmp(f, "regionname") || !strcmp(f, "zone"))
        return all_of(v, "-", 1) ? NULL : "not a region or zone id";
    if (!strcmp(f, "ascii"))
        return all_of(v, " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", 1) ? NULL : "ASCII characters only";
    if (!strcmp(f, "account"))
        return NULL;
    if (!strcmp(f, "accountname"))
        return all_of(v, "-_.@", 1) ? NULL : "not an account name";
    if (!strncmp(f, "id:", 3)) {
        size_t n = strlen(f + 3);
        if (strncmp(v, f + 3, n) != 0 || !v[n] || !all_of(v, "-_*", 1))
            return "not an id of the expected kind";
        return NULL;
    }
    if (!strcmp(f, "vswitches")) {
        int count = 1;
        for (const char *c = v; *c; c++)
            count += *c == ',';
        if (count > 10)
            return "at most 10 vSwitches";
        for (const char *p = v; *p;) {
            size_t n = strcspn(p, ",");
            if (n < 5 || strncmp(p, "vsw-", 4) != 0)
                return "vSwitch ids start with vsw-";
            for (size_t i = 0; i < n; i++)
                if (!(isalnum((unsigned char)p[i]) || p[i] == '-' || p[i] == '*'))
                    return "not a vSwitch id";
            p += n;
            if (*p)
                p++;
        }
        return NULL;
    }
    if (!strcmp(f, "instancetypes")) {
        for (const char *p = v; *p;) {
            size_t n = strcspn(p, ",");
            if (n < 5 || strncmp(p, "ecs.", 4) != 0)
                return "instance types look like ecs.c6.large";
            p += n;
            if (*p)
                p++;
        }
        return all_of(v, ".,-", 1) ? NULL : "instance types look like ecs.c6.large";
    }
    if (!strcmp(f, "name")) {
        size_t n = strlen(v);
        for (const char *p = v; *p; p++)
            if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
                return "lower-case letters, digits and '-', not starting or ending with '-'";
        return n && v[0] != '-' && v[n - 1] != '-' ? NULL
                                                   : "lower-case letters, digits and '-', not starting or ending with '-'";
    }
    if (!strcmp(f, "image"))
        return all_of(v, "-_./:@+", 1) ? NULL : "not an image reference";
    if (!strcmp(f, "ip"))
        return is_ip(v, 0) ? NULL : "not an IP address";
    if (!strcmp(f, "ipv4"))
        return is_ip(v, 1) ? NULL : "not an IPv4 address";
    if (!strcmp(f, "hostname"))
        return is_hostname(v) ? NULL : "not a host name";
    if (!strcmp(f, "hostlist")) {
        for (const char *p = v; *p;) {
            size_t n = strcspn(p, ",");
            char h[256];
            snprintf(h, sizeof h, "%.*s", (int)(n < 255 ? n : 255), p);
            char *colon = strrchr(h, ':');
            if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1))
                *colon = 0;
            if (!is_hostname(h))
                return "a comma-separated list of registry hosts";
            p += n;
            if (*p)
                p++;
        }
        return NULL;
    }
    if (!strcmp(f, "registry"))
        return strncmp(v, "http://", 7) && strncmp(v, "https://", 8) && all_of(v, "-_.:/", 1)
                   ? NULL
                   : "the registry address must not start with http:// or https://";
    if (!strcmp(f, "abspath"))
        return v[0] == '/' ? NULL : "must be an absolute path";
    if (!strcmp(f, "relpath"))
        return is_rel(v) ? NULL : "must be a relative path without '..'";
    if (!strcmp(f, "corepattern"))
        return v[0] == '/' ? NULL : "must be an absolute directory (not starting with |)";
    if (!strcmp(f, "quantity")) {
        size_t n = strspn(v, "0123456789.");
        if (n == 0 || !(in_values(v + n, "Ki|Mi|Gi|Ti|K|M|G|T") || v[n] == 0))
            return "a quantity such as 256Mi or 2Gi";
        return NULL;
    }
    if (!strcmp(f, "base64"))
        return all_of(v, "+/=-_", 1) ? NULL : "the content must be Base64-encoded";
    if (!strcmp(f, "mode")) {
        long m;
        return emu_param_mode(v, &m) == 0 ? NULL : "a file mode 0000-0777 (octal with a leading 0, or decimal)";
    }
    if (!strcmp(f, "envkey"))
        return !isdigit((unsigned char)v[0]) && all_of(v, "_", 1)
                   ? NULL
                   : "names are 1-128 characters [0-9a-zA-Z_], not starting with a digit";
    if (!strcmp(f, "tagkey"))
        return strncmp(v, "aliyun", 6) && strncmp(v, "acs:", 4) && !strstr(v, "http://") && !strstr(v, "https://")
                   ? NULL
                   : "tag keys must not start with aliyun or acs: and must not contain http:// or https://";
    if (!strcmp(f, "tagvalue"))
        return strncmp(v, "acs:", 4) && !strstr(v, "http://") && !strstr(v, "https://")
                   ? NULL
                   : "tag values must not start with acs: and must not contain http:// or https://";
    if (!strcmp(f, "sysctl-safe"))
        return emu_sysctl_safe(v) ? NULL : "not a safe sysctl (use HostSecurityContext.Sysctl for namespaced ones)";
    if (!strcmp(f, "sysctl-host"))
        return emu_sysctl_host(v) ? NULL : "this sysctl cannot be set on ECI";
    if (!strcmp(f, "optname"))
        return all_of(v, "-_.", 1) ? NULL : "not an option name";
    if (!strcmp(f, "header"))
        return all_of(v, "-_!#$%&'*+.^`|~", 1) ? NULL : "not an HTTP header name";
    if (!strcmp(f, "arn"))
        return strncmp(v, "acs:ram::", 9) == 0 ? NULL : "a RAM role ARN (acs:ram::UID:role/NAME)";
    if (!strcmp(f, "digits"))
        return strspn(v, "0123456789") == strlen(v) ? NULL : "digits only";
    if (!strcmp(f, "jsonstrv")) {
        char **sv = NULL;
        long n = emu_json_strv(v, &sv);
        if (n < 0)
            return "must be a JSON array of strings";
        emu_strv_free(sv, (size_t)n);
        return NULL;
    }
    if (!strcmp(f, "jsonobject")) {
        cJSON *j = cJSON_Parse(v);
        int ok = cJSON_IsObject(j);
        cJSON_Delete(j);
        return ok ? NULL : "must be a JSON object";
    }
    if (!strcmp(f, "price")) {
        const char *dot = strchr(v, '.');
        return !dot || strlen(dot + 1) <= 3 ? NULL : "at most 3 decimal places";
    }
    return NULL;
}

int emu_param_value_check(const emu_param_def *d, const char *key, const char *v, emu_err *e)
{
    /* The core Python SDK sends some parameters on every item, the string
     * "None" when unset: the rows whose note says so take it as unset. */
    if (d->note == none_unset && !strcmp(v, "None"))
        return 0;
    char *end = NULL;
    switch (d->type) {
    case 'b':
        if (strcasecmp(v, "true") && strcasecmp(v, "false"))
            return emu_invalid(e, key, "expected true or false");
        if (!strcmp(d->rule, "@true-only") && strcasecmp(v, "true"))
            return emu_invalid(e, key, "only true is supported");
        return 0;
    case 'i': {
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (!strcmp(d->rule, "@mode")) {
            long m;
            if (emu_param_mode(v, &m))
                return emu_invalid(e, key, "a file mode 0000-0777 (octal with a leading 0, or decimal)");
            return 0;
        }
        if (errno || end == v || *end)
            return emu_invalid(e, key, "expected an integer");
        if ((double)n < d->lo || (double)n > d->hi)
            return emu_fail(e, 400, "InvalidParameter.ValueExceeded", "The parameter \"%s\" is out of range (%.0f..%.0f).",
                            key, d->lo, d->hi);
        return 0;
    }
    case 'f': {
        errno = 0;
        double x = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(x))
            return emu_invalid(e, key, "expected a number");
        if (x < d->lo || x > d->hi)
            return emu_fail(e, 400, "InvalidParameter.ValueExceeded", "The parameter \"%s\" is out of range (%g..%g).",
                            key, d->lo, d->hi);
        const char *why = d->rule[0] ? check_format(d, v) : NULL;
        return why ? emu_invalid(e, key, why) : 0;
    }
    default: {
        size_t n = strlen(v);
        if (d->hi > 0 && (double)n > d->hi && !strcmp(d->rule, "@ascii"))
            return emu_invalid(e, key, "too long");
        if (d->hi > 0 && (double)n > d->hi)
            return emu_fail(e, 400, "InvalidParameter.ValueExceeded",
                            "The parameter \"%s\" is longer than %.0f characters.", key, d->hi);
        if ((double)n < d->lo)
            return emu_invalid(e, key, "too short");
        const char *why = check_format(d, v);
        return why ? emu_invalid(e, key, why) : 0;
    }
    }
}

int emu_params_check(const char *action, const kv_list *p, emu_err *e)
{
    unsigned bit = emu_param_op_bit(action);
    if (!bit)
        return 0;
    for (size_t i = 0; i < p->n; i++) {
        const char *k = p->items[i].key, *v = p->items[i].val;
        if (common_param(k))
            continue;
        const emu_param_def *d = emu_param_find(bit, k, NULL);
        if (!d) {
            char norm[512];
            if (normalise(k, norm, sizeof norm))
                return emu_fail(e, 400, "InvalidParameter", "The parameter \"%.200s\" has an invalid list index.", k);
            return emu_fail(e, 400, "InvalidParameter", "The parameter \"%.200s\" is not a parameter of %s.", k, action);
        }
        if (!v[0])
            continue; /* an empty value is an absent one */
        if (emu_param_value_check(d, k, v, e))
            return -1;
        if (!strcmp(d->treat, T_REFUSED) && (!d->sample[0] || !in_values(v, d->sample)))
            return emu_fail(e, 400, "InvalidParameter", "The parameter \"%.200s\": %s", k, d->note);
        if (!strcmp(d->name, "OsType") && !strcmp(v, "Windows"))
            return emu_fail(e, 400, "InvalidParameter", "The parameter \"OsType\": Windows instances are by invitation only.");
        if (!strcmp(d->rule, "@account") && strcmp(v, EMU_ACCOUNT_ID))
            return emu_fail_code(e, "Forbidden.Unauthorized");
        if (!strcmp(d->rule, "@accountname") && strcmp(v, EMU_ACCOUNT_NAME))
            return emu_fail_code(e, "Forbidden.Unauthorized");
    }
    return 0;
}

/* ---- publication -------------------------------------------------------- */

static const char *op_names(unsigned ops, char *buf, size_t len)
{
    buf[0] = 0;
    if (ops == ALL_OPS)
        return "all";
    for (size_t i = 0; i < sizeof k_ops / sizeof k_ops[0]; i++)
        if (ops & k_ops[i].bit) {
            size_t n = strlen(buf);
            snprintf(buf + n, len - n, "%s%s", n ? " " : "", k_ops[i].name);
        }
    return buf;
}

/* The check of a row in words. */
static void check_text(const emu_param_def *d, char *buf, size_t len)
{
    switch (d->type) {
    case 'b':
        snprintf(buf, len, "%s", !strcmp(d->rule, "@true-only") ? "boolean, only true" : "boolean");
        return;
    case 'i':
        if (!strcmp(d->rule, "@mode"))
            snprintf(buf, len, "file mode 0-0777");
        else if (!strcmp(d->rule, "@account"))
            snprintf(buf, len, "integer, the account id");
        else if (d->lo <= -2147483647)
            snprintf(buf, len, "integer");
        else
            snprintf(buf, len, "integer %.0f-%.0f", d->lo, d->hi);
        return;
    case 'f':
        snprintf(buf, len, "number %g-%g", d->lo, d->hi);
        return;
    default:
        if (d->rule[0] != '@')
            snprintf(buf, len, "one of %s", d->rule);
        else if (!strcmp(d->rule, "@text"))
            snprintf(buf, len, "text, %.0f-%.0f characters", d->lo, d->hi);
        else
            snprintf(buf, len, "%s, at most %.0f characters", d->rule + 1, d->hi);
    }
}

/* A value the check refuses (for the parameter walk test). */
static void invalid_sample(const emu_param_def *d, char *buf, size_t len);

static char *invalid_value(const emu_param_def *d)
{
    size_t len = (d->type == 's' && d->hi > 0 ? (size_t)d->hi : 0) + 64;
    char *buf = xmalloc(len);
    invalid_sample(d, buf, len);
    return buf;
}

static void invalid_sample(const emu_param_def *d, char *buf, size_t len)
{
    switch (d->type) {
    case 'b':
        snprintf(buf, len, "%s", !strcmp(d->rule, "@true-only") ? "false" : "maybe");
        return;
    case 'i':
        snprintf(buf, len, "%s", !strcmp(d->rule, "@account") ? "1" : "x");
        return;
    case 'f':
        snprintf(buf, len, "%s", "x");
        return;
    default:
        break;
    }
    if (d->rule[0] != '@' || !strcmp(d->rule, "@text") || !strcmp(d->rule, "@region") ||
        !strcmp(d->rule, "@regionname") || !strcmp(d->rule, "@zone") || !strcmp(d->rule, "@corepattern")) {
        if (d->rule[0] != '@') {
            snprintf(buf, len, "NotAValue");
            return;
        }
        if (!strcmp(d->rule, "@corepattern")) {
            snprintf(buf, len, "|/bin/sh");
            return;
        }
        size_t n = (size_t)d->hi + 1;
        if (n + 1 > len)
            n = len - 1;
        memset(buf, 'x', n);
        buf[n] = 0;
        return;
    }
    const char *f = d->rule + 1;
    static const struct { const char *f, *v; } bad[] = {
        {"ascii", "t\xc3\xa9"},       {"accountname", "nobody here"}, {"vswitches", "subnet-1"},
        {"instancetypes", "c6.large"}, {"name", "Bad_Name"},          {"image", "bad image"},
        {"ip", "300.1.1.1"},          {"ipv4", "10.1.2.300"},         {"hostname", "bad host"},
        {"hostlist", "bad host"},     {"registry", "https://reg.example.com"}, {"abspath", "relative"},
        {"relpath", "../up"},         {"quantity", "lots"},           {"base64", "not base64!"},
        {"envkey", "1BAD"},           {"tagkey", "aliyun-x"},         {"tagvalue", "acs:x"},
        {"sysctl-safe", "kernel.msgmax"}, {"sysctl-host", "kernel.panic"}, {"optname", "bad option"},
        {"header", "bad header"},     {"arn", "role/x"},              {"digits", "ten"},
        {"jsonstrv", "[1"},           {"jsonobject", "[]"},           {"price", "0.0001"},
    };
    if (!strncmp(f, "id:", 3)) {
        snprintf(buf, len, "bad-id");
        return;
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!strcmp(f, bad[i].f)) {
            snprintf(buf, len, "%s", bad[i].v);
            return;
        }
    snprintf(buf, len, "%s", "");
}

cJSON *emu_params_json(void)
{
    cJSON *a = cJSON_CreateArray();
    char buf[1024], name[512];
    for (size_t i = 0; i < NROWS; i++) {
        const emu_param_def *d = &k_rows[i];
        for (int k = 0; k < 2; k++) {
            unsigned ops = k ? d->iops : d->ops;
            if (!ops || (k && strncmp(d->name, "*.", 2) != 0))
                continue;
            cJSON *o = cJSON_CreateObject();
            expand(d->name, k, name, sizeof name);
            cJSON_AddStringToObject(o, "Name", name);
            cJSON *opsj = cJSON_AddArrayToObject(o, "Operations");
            for (size_t j = 0; j < sizeof k_ops / sizeof k_ops[0]; j++)
                if (ops & k_ops[j].bit)
                    cJSON_AddItemToArray(opsj, cJSON_CreateString(k_ops[j].name));
            char t[2] = {d->type, 0};
            cJSON_AddStringToObject(o, "Type", t);
            check_text(d, buf, sizeof buf);
            cJSON_AddStringToObject(o, "Check", buf);
            cJSON_AddStringToObject(o, "Sample", d->sample);
            char *bad = invalid_value(d);
            cJSON_AddStringToObject(o, "Invalid", bad);
            free(bad);
            /* "*." in needs -> the same container prefix */
            dynbuf nb;
            dynbuf_init(&nb, 0);
            for (const char *p = d->needs; *p; p++) {
                if (p[0] == '*' && p[1] == '.' && (p == d->needs || p[-1] == '&')) {
                    dynbuf_adds(&nb, k ? "InitContainer.N." : "Container.N.");
                    p++;
                } else {
                    dynbuf_addc(&nb, *p);
                }
            }
            cJSON_AddStringToObject(o, "Needs", dynbuf_str(&nb));
            dynbuf_free(&nb);
            /* returns: "A|B" container|init; "*" -> Containers / InitContainers */
            const char *r = d->returns;
            const char *bar = strchr(r, '|');
            if (bar)
                snprintf(buf, sizeof buf, "%.*s", k ? (int)strlen(bar + 1) : (int)(bar - r), k ? bar + 1 : r);
            else
                snprintf(buf, sizeof buf, "%s", r);
            char *star = strstr(buf, "*[]");
            if (star) {
                char tmp[1024];
                snprintf(tmp, sizeof tmp, "%.*s%s%s", (int)(star - buf), buf, k ? "InitContainers" : "Containers",
                         star + 1);
                snprintf(buf, sizeof buf, "%s", tmp);
            }
            cJSON_AddStringToObject(o, "Returns", buf);
            cJSON_AddStringToObject(o, "Treatment", d->treat);
            cJSON_AddStringToObject(o, "Note", d->note);
            cJSON_AddItemToArray(a, o);
        }
    }
    return a;
}

/* Markdown cell text: '|' would end the cell. */
static void cell(dynbuf *b, const char *s)
{
    for (; *s; s++)
        if (*s == '|')
            dynbuf_adds(b, ", ");
        else
            dynbuf_addc(b, *s);
}

void emu_params_markdown(dynbuf *b)
{
    cJSON *a = emu_params_json();
    char ops[2048];
    dynbuf_adds(b, "| Parameter | Operations | Check | Treatment | Returned as | Note |\n"
                   "| --- | --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < NROWS; i++) {
        const emu_param_def *d = &k_rows[i];
        char name[512];
        expand(d->name, 0, name, sizeof name);
        if (!strncmp(d->name, "*.", 2) && d->iops)
            snprintf(name, sizeof name, "Container.N.%s, InitContainer.N.%s", d->name + 2, d->name + 2);
        char chk[256];
        check_text(d, chk, sizeof chk);
        dynbuf_printf(b, "| `%s` | %s | ", name, op_names(d->ops | d->iops, ops, sizeof ops));
        cell(b, chk);
        dynbuf_printf(b, " | %s | ", d->treat);
        if (strcmp(d->returns, "-"))
            cell(b, d->returns);
        dynbuf_adds(b, " | ");
        cell(b, d->note);
        dynbuf_adds(b, " |\n");
    }
    cJSON_Delete(a);
}

char *emu_params_table_markdown(void)
{
    dynbuf b;
    dynbuf_init(&b, 0);
    emu_params_markdown(&b);
    char *r = xstrdup(dynbuf_str(&b));
    dynbuf_free(&b);
    return r;
}
