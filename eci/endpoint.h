/* ECI endpoints: the public endpoint eci.<region>.aliyuncs.com and the VPC
 * (internal network) endpoints table of the API reference (section 2.2). */
#ifndef ECI_ENDPOINT_H
#define ECI_ENDPOINT_H

#include <stddef.h>

/* VPC endpoint host for a region from the documented table, or NULL when the
 * region is not listed. Static string. */
const char *eci_vpc_endpoint_host(const char *region);
/* Number of regions in the VPC table and the i-th region id (for docs/tests). */
size_t eci_vpc_region_count(void);
const char *eci_vpc_region_at(size_t i);
/* Base URL for a client: override (used verbatim, trailing '/' removed) when
 * non-empty; otherwise https://eci-vpc.<region>.aliyuncs.com from the table
 * when use_vpc (NULL if the region has no VPC endpoint), else
 * https://eci.<region>.aliyuncs.com. Caller frees; NULL when region is empty
 * and there is no override. */
char *eci_endpoint_url(const char *region, int use_vpc, const char *override);

#endif
