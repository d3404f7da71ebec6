#include "eci/endpoint.h"

#include <string.h>

#include "util/xmalloc.h"

static const struct {
    const char *region;
    const char *host;
} vpc_table[] = {
    {"cn-hangzhou", "eci-vpc.cn-hangzhou.aliyuncs.com"},
    {"cn-shanghai", "eci-vpc.cn-shanghai.aliyuncs.com"},
    {"cn-qingdao", "eci-vpc.cn-qingdao.aliyuncs.com"},
    {"cn-beijing", "eci-vpc.cn-beijing.aliyuncs.com"},
    {"cn-zhangjiakou", "eci-vpc.cn-zhangjiakou.aliyuncs.com"},
    {"cn-huhehaote", "eci-vpc.cn-huhehaote.aliyuncs.com"},
    {"cn-shenzhen", "eci-vpc.cn-shenzhen.aliyuncs.com"},
    {"cn-heyuan", "eci-vpc.cn-heyuan.aliyuncs.com"},
    {"cn-guangzhou", "eci-vpc.cn-guangzhou.aliyuncs.com"},
    {"cn-chengdu", "eci-vpc.cn-chengdu.aliyuncs.com"},
    {"cn-hongkong", "eci-vpc.cn-hongkong.aliyuncs.com"},
    {"ap-southeast-1", "eci-vpc.ap-southeast-1.aliyuncs.com"},
    {"ap-southeast-2", "eci-vpc.ap-southeast-2.aliyuncs.com"},
    {"ap-southeast-3", "eci-vpc.ap-southeast-3.aliyuncs.com"},
    {"ap-southeast-5", "eci-vpc.ap-southeast-5.aliyuncs.com"},
    {"ap-south-1", "eci-vpc.ap-south-1.aliyuncs.com"},
    {"ap-northeast-1", "eci-vpc.ap-northeast-1.aliyuncs.com"},
    {"us-west-1", "eci-vpc.us-west-1.aliyuncs.com"},
    {"us-east-1", "eci-vpc.us-east-1.aliyuncs.com"},
    {"eu-central-1", "eci-vpc.eu-central-1.aliyuncs.com"},
    {"eu-west-1", "eci-vpc.eu-west-1.aliyuncs.com"},
};

const char *eci_vpc_endpoint_host(const char *region)
{
    if (!region)
        return NULL;
    for (size_t i = 0; i < sizeof vpc_table / sizeof vpc_table[0]; i++)
        if (!strcmp(vpc_table[i].region, region))
            return vpc_table[i].host;
    return NULL;
}

size_t eci_vpc_region_count(void)
{
    return sizeof vpc_table / sizeof vpc_table[0];
}

const char *eci_vpc_region_at(size_t i)
{
    return i < eci_vpc_region_count() ? vpc_table[i].region : NULL;
}

char *eci_endpoint_url(const char *region, int use_vpc, const char *override)
{
    if (override && *override) {
        char *u = xstrdup(override);
        size_t n = strlen(u);
        while (n > 0 && u[n - 1] == '/')
            u[--n] = '\0';
        return u;
    }
    if (!region || !*region)
        return NULL;
    if (use_vpc) {
        const char *h = eci_vpc_endpoint_host(region);
        return h ? xasprintf("https://%s", h) : NULL;
    }
    return xasprintf("https://eci.%s.aliyuncs.com", region);
}
