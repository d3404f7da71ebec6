#include "eci/types.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

void eci_strv_add(eci_strv *sv, const char *s)
{
    sv->v = xrealloc(sv->v, (sv->n + 1) * sizeof *sv->v);
    sv->v[sv->n++] = xstrdup(s ? s : "");
}

void eci_strv_free(eci_strv *sv)
{
    if (!sv)
        return;
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = 0;
}

void *eci_append(void **arr, size_t *n, size_t elem_size)
{
    char *p = xrealloc(*arr, (*n + 1) * elem_size);
    memset(p + *n * elem_size, 0, elem_size);
    *arr = p;
    return p + (*n)++ * elem_size;
}

#define FREE_ARR(arr, n, fn)                                  \
    do {                                                      \
        for (size_t i_ = 0; i_ < (n); i_++)                   \
            fn(&(arr)[i_]);                                   \
        free(arr);                                            \
        (arr) = NULL;                                         \
        (n) = 0;                                              \
    } while (0)

static void tag_free(eci_tag *t) { free(t->key); free(t->value); }
static void nv_free(eci_name_value *t) { free(t->name); free(t->value); }
static void env_free(eci_env_var *e) { free(e->key); free(e->value); free(e->field_path); }
static void port_free(eci_port *p) { free(p->protocol); }
static void header_free(eci_http_header *h) { free(h->name); free(h->value); }

static void mount_free(eci_volume_mount *m)
{
    free(m->name);
    free(m->mount_path);
    free(m->sub_path);
    free(m->mount_propagation);
}

static void probe_free(eci_probe *p)
{
    eci_strv_free(&p->exec);
    free(p->http_path);
    free(p->http_scheme);
}

static void handler_free(eci_lifecycle_handler *h)
{
    eci_strv_free(&h->exec);
    free(h->http_host);
    free(h->http_path);
    free(h->http_scheme);
    FREE_ARR(h->http_headers, h->n_http_headers, header_free);
    free(h->tcp_host);
}

int eci_probe_is_set(const eci_probe *p)
{
    return p->exec.n || p->http_path || p->http_port.set || p->http_scheme || p->tcp_port.set ||
           p->initial_delay_seconds.set || p->period_seconds.set || p->timeout_seconds.set ||
           p->success_threshold.set || p->failure_threshold.set;
}

void eci_container_free(eci_container *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->image);
    free(c->image_pull_policy);
    free(c->working_dir);
    eci_strv_free(&c->command);
    eci_strv_free(&c->args);
    FREE_ARR(c->env, c->n_env, env_free);
    FREE_ARR(c->ports, c->n_ports, port_free);
    FREE_ARR(c->volume_mounts, c->n_volume_mounts, mount_free);
    probe_free(&c->readiness_probe);
    probe_free(&c->liveness_probe);
    eci_strv_free(&c->security_context.capability_add);
    handler_free(&c->post_start);
    handler_free(&c->pre_stop);
    free(c->termination_message_path);
    free(c->termination_message_policy);
    memset(c, 0, sizeof *c);
}

static void config_file_free(eci_config_file *f) { free(f->path); free(f->content); }

void eci_volume_free(eci_volume *v)
{
    if (!v)
        return;
    free(v->name);
    free(v->type);
    free(v->empty_dir_medium);
    free(v->empty_dir_size_limit);
    free(v->nfs_server);
    free(v->nfs_path);
    FREE_ARR(v->config_files, v->n_config_files, config_file_free);
    free(v->disk_id);
    free(v->disk_fs_type);
    free(v->flex_driver);
    free(v->flex_fs_type);
    free(v->flex_options);
    free(v->host_path);
    free(v->host_path_type);
    memset(v, 0, sizeof *v);
}

static void cred_free(eci_registry_credential *c)
{
    free(c->server);
    free(c->user_name);
    if (c->password) {
        memset(c->password, 0, strlen(c->password));
        free(c->password);
    }
}

static void acr_free(eci_acr_registry_info *a)
{
    free(a->instance_id);
    free(a->instance_name);
    free(a->region_id);
    eci_strv_free(&a->domains);
    free(a->arn_service);
    free(a->arn_user);
}

static void alias_free(eci_host_alias *h)
{
    free(h->ip);
    eci_strv_free(&h->hostnames);
}

void eci_create_cg_req_free(eci_create_cg_req *r)
{
    if (!r)
        return;
    char **strs[] = {
        &r->region_id, &r->zone_id, &r->container_group_name, &r->security_group_id,
        &r->vswitch_id, &r->restart_policy, &r->instance_type, &r->eip_instance_id,
        &r->eip_isp, &r->eip_common_bandwidth_package, &r->resource_group_id, &r->dns_policy,
        &r->client_token, &r->image_snapshot_id, &r->ram_role_name, &r->spot_strategy,
        &r->core_pattern, &r->host_name, &r->cpu_options_numa, &r->schedule_strategy,
        &r->private_ip_address, &r->fixed_ip, &r->os_type, &r->cpu_architecture,
        &r->image_accelerate_mode, &r->insecure_registry, &r->plain_http_registry,
        &r->gpu_driver_version, &r->ipv6_gateway_bandwidth, &r->data_cache_bucket,
        &r->data_cache_pl,
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    eci_strv_free(&r->compute_category);
    FREE_ARR(r->tags, r->n_tags, tag_free);
    FREE_ARR(r->registry_credentials, r->n_registry_credentials, cred_free);
    FREE_ARR(r->acr_registry_infos, r->n_acr_registry_infos, acr_free);
    FREE_ARR(r->containers, r->n_containers, eci_container_free);
    FREE_ARR(r->init_containers, r->n_init_containers, eci_container_free);
    FREE_ARR(r->volumes, r->n_volumes, eci_volume_free);
    eci_strv_free(&r->dns_nameservers);
    eci_strv_free(&r->dns_searches);
    FREE_ARR(r->dns_options, r->n_dns_options, nv_free);
    FREE_ARR(r->host_aliases, r->n_host_aliases, alias_free);
    FREE_ARR(r->sysctls, r->n_sysctls, nv_free);
    FREE_ARR(r->host_sysctls, r->n_host_sysctls, nv_free);
    eci_strv_free(&r->ntp_servers);
    kv_free(&r->extra);
    memset(r, 0, sizeof *r);
}

void eci_create_cg_resp_free(eci_create_cg_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    free(r->container_group_id);
    memset(r, 0, sizeof *r);
}

void eci_update_cg_req_free(eci_update_cg_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->container_group_id);
    free(r->client_token);
    free(r->resource_group_id);
    FREE_ARR(r->containers, r->n_containers, eci_container_free);
    FREE_ARR(r->init_containers, r->n_init_containers, eci_container_free);
    FREE_ARR(r->registry_credentials, r->n_registry_credentials, cred_free);
    kv_free(&r->extra);
    memset(r, 0, sizeof *r);
}

void eci_simple_resp_free(eci_simple_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    r->request_id = NULL;
}

void eci_cg_id_req_free(eci_cg_id_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->container_group_id);
    free(r->client_token);
    memset(r, 0, sizeof *r);
}

void eci_describe_cgs_req_free(eci_describe_cgs_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->zone_id);
    free(r->vswitch_id);
    free(r->next_token);
    FREE_ARR(r->tags, r->n_tags, tag_free);
    eci_strv_free(&r->container_group_ids);
    free(r->container_group_name);
    free(r->status);
    free(r->resource_group_id);
    memset(r, 0, sizeof *r);
}

static void event_free(eci_event *e)
{
    free(e->first_timestamp);
    free(e->last_timestamp);
    free(e->message);
    free(e->name);
    free(e->type);
    free(e->reason);
}

static void state_free(eci_container_state *s)
{
    free(s->state);
    free(s->detail_status);
    free(s->reason);
    free(s->message);
    free(s->start_time);
    free(s->finish_time);
}

static void probe_info_free(eci_probe_info *p)
{
    eci_strv_free(&p->execs);
    free(p->http_path);
    free(p->http_scheme);
    free(p->tcp_host);
}

static void env_info_free(eci_env_info *e) { free(e->key); free(e->value); free(e->field_path); }
static void port_info_free(eci_port_info *p) { free(p->protocol); }

static void mount_info_free(eci_mount_info *m)
{
    free(m->name);
    free(m->mount_path);
    free(m->mount_propagation);
    free(m->sub_path);
}

static void container_info_free(eci_container_info *c)
{
    free(c->name);
    free(c->image);
    free(c->image_pull_policy);
    free(c->working_dir);
    eci_strv_free(&c->commands);
    eci_strv_free(&c->args);
    state_free(&c->current_state);
    state_free(&c->previous_state);
    FREE_ARR(c->env, c->n_env, env_info_free);
    FREE_ARR(c->ports, c->n_ports, port_info_free);
    FREE_ARR(c->volume_mounts, c->n_volume_mounts, mount_info_free);
    probe_info_free(&c->liveness_probe);
    probe_info_free(&c->readiness_probe);
    eci_strv_free(&c->capability_adds);
}

static void cfi_free(eci_config_file_info *f) { free(f->path); free(f->content); }

static void volume_info_free(eci_volume_info *v)
{
    free(v->name);
    free(v->type);
    free(v->nfs_server);
    free(v->nfs_path);
    free(v->disk_id);
    free(v->disk_fs_type);
    free(v->flex_driver);
    free(v->flex_fs_type);
    free(v->flex_options);
    free(v->empty_dir_medium);
    free(v->empty_dir_size_limit);
    FREE_ARR(v->config_files, v->n_config_files, cfi_free);
}

void eci_container_group_free(eci_container_group *g)
{
    if (!g)
        return;
    char **strs[] = {
        &g->container_group_id, &g->container_group_name, &g->region_id, &g->zone_id,
        &g->vpc_id, &g->vswitch_id, &g->security_group_id, &g->resource_group_id, &g->status,
        &g->restart_policy, &g->instance_type, &g->spot_strategy, &g->ram_role_name,
        &g->internet_ip, &g->intranet_ip, &g->ipv6_address, &g->eni_instance_id,
        &g->creation_time, &g->succeeded_time, &g->failed_time, &g->expired_time,
        &g->tenant_eni_instance_id, &g->tenant_eni_ip, &g->tenant_security_group_id,
        &g->tenant_vswitch_id,
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    FREE_ARR(g->tags, g->n_tags, tag_free);
    eci_strv_free(&g->dns_nameservers);
    eci_strv_free(&g->dns_searches);
    FREE_ARR(g->dns_options, g->n_dns_options, nv_free);
    FREE_ARR(g->sysctls, g->n_sysctls, nv_free);
    FREE_ARR(g->host_aliases, g->n_host_aliases, alias_free);
    FREE_ARR(g->events, g->n_events, event_free);
    FREE_ARR(g->volumes, g->n_volumes, volume_info_free);
    FREE_ARR(g->containers, g->n_containers, container_info_free);
    FREE_ARR(g->init_containers, g->n_init_containers, container_info_free);
    memset(g, 0, sizeof *g);
}

void eci_describe_cgs_resp_free(eci_describe_cgs_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    free(r->next_token);
    FREE_ARR(r->groups, r->n_groups, eci_container_group_free);
    memset(r, 0, sizeof *r);
}

void eci_describe_status_req_free(eci_describe_status_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->zone_id);
    free(r->vswitch_id);
    free(r->resource_group_id);
    eci_strv_free(&r->container_group_ids);
    FREE_ARR(r->tags, r->n_tags, tag_free);
    free(r->next_token);
    memset(r, 0, sizeof *r);
}

static void cond_free(eci_pod_condition *c)
{
    free(c->type);
    free(c->status);
    free(c->last_transition_time);
    free(c->reason);
    free(c->message);
}

static void k8s_state_free(eci_k8s_state *s)
{
    free(s->waiting_reason);
    free(s->waiting_message);
    free(s->running_started_at);
    free(s->terminated_container_id);
    free(s->terminated_reason);
    free(s->terminated_message);
    free(s->terminated_started_at);
    free(s->terminated_finished_at);
}

static void cstatus_free(eci_container_status *s)
{
    free(s->name);
    free(s->image);
    free(s->image_id);
    k8s_state_free(&s->state);
    k8s_state_free(&s->last_state);
}

void eci_cg_status_free(eci_cg_status *s)
{
    if (!s)
        return;
    free(s->container_group_id);
    free(s->name);
    free(s->namespace_);
    free(s->status);
    free(s->uuid);
    free(s->annotations);
    free(s->phase);
    free(s->host_ip);
    free(s->pod_ip);
    eci_strv_free(&s->pod_ips);
    free(s->qos_class);
    free(s->start_time);
    FREE_ARR(s->conditions, s->n_conditions, cond_free);
    FREE_ARR(s->container_statuses, s->n_container_statuses, cstatus_free);
    memset(s, 0, sizeof *s);
}

void eci_describe_status_resp_free(eci_describe_status_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    free(r->next_token);
    FREE_ARR(r->items, r->n_items, eci_cg_status_free);
    memset(r, 0, sizeof *r);
}

void eci_describe_events_req_free(eci_describe_events_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->zone_id);
    free(r->vswitch_id);
    free(r->resource_group_id);
    eci_strv_free(&r->container_group_ids);
    FREE_ARR(r->tags, r->n_tags, tag_free);
    free(r->event_source);
    free(r->next_token);
    memset(r, 0, sizeof *r);
}

static void k8s_event_free(eci_k8s_event *e)
{
    char **strs[] = {
        &e->type, &e->reason, &e->message, &e->first_timestamp, &e->last_timestamp,
        &e->reporting_component, &e->reporting_instance, &e->source_component, &e->source_host,
        &e->involved_kind, &e->involved_name, &e->involved_namespace, &e->involved_uid,
        &e->involved_api_version, &e->metadata_name, &e->metadata_namespace,
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
}

static void cg_events_free(eci_cg_events *g)
{
    free(g->container_group_id);
    free(g->name);
    free(g->namespace_);
    free(g->uuid);
    free(g->annotations);
    FREE_ARR(g->events, g->n_events, k8s_event_free);
}

void eci_describe_events_resp_free(eci_describe_events_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    free(r->next_token);
    FREE_ARR(r->items, r->n_items, cg_events_free);
    memset(r, 0, sizeof *r);
}

void eci_exec_req_free(eci_exec_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->container_group_id);
    free(r->container_name);
    eci_strv_free(&r->command);
    memset(r, 0, sizeof *r);
}

void eci_exec_resp_free(eci_exec_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    free(r->web_socket_uri);
    free(r->http_url);
    free(r->sync_response);
    memset(r, 0, sizeof *r);
}

void eci_log_req_free(eci_log_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->container_group_id);
    free(r->container_name);
    free(r->start_time);
    memset(r, 0, sizeof *r);
}

void eci_log_resp_free(eci_log_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    free(r->container_name);
    free(r->content);
    memset(r, 0, sizeof *r);
}

static void region_free(eci_region *r)
{
    free(r->region_id);
    free(r->region_endpoint);
    eci_strv_free(&r->zones);
    eci_strv_free(&r->recommend_zones);
}

void eci_describe_regions_resp_free(eci_describe_regions_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    FREE_ARR(r->regions, r->n_regions, region_free);
    memset(r, 0, sizeof *r);
}

void eci_create_image_cache_req_free(eci_create_image_cache_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->image_cache_name);
    eci_strv_free(&r->images);
    free(r->security_group_id);
    free(r->vswitch_id);
    free(r->zone_id);
    FREE_ARR(r->registry_credentials, r->n_registry_credentials, cred_free);
    free(r->eip_instance_id);
    free(r->resource_group_id);
    free(r->client_token);
    FREE_ARR(r->tags, r->n_tags, tag_free);
    memset(r, 0, sizeof *r);
}

void eci_create_image_cache_resp_free(eci_create_image_cache_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    free(r->container_group_id);
    free(r->image_cache_id);
    memset(r, 0, sizeof *r);
}

void eci_describe_image_caches_req_free(eci_describe_image_caches_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->image_cache_id);
    free(r->image_cache_name);
    free(r->snapshot_id);
    free(r->image);
    free(r->resource_group_id);
    FREE_ARR(r->tags, r->n_tags, tag_free);
    memset(r, 0, sizeof *r);
}

static void image_cache_free(eci_image_cache *c)
{
    free(c->image_cache_id);
    free(c->image_cache_name);
    eci_strv_free(&c->images);
    free(c->status);
    free(c->progress);
    free(c->snapshot_id);
    free(c->flash_snapshot_id);
    free(c->container_group_id);
    free(c->creation_time);
    free(c->expire_date_time);
    free(c->region_id);
    free(c->resource_group_id);
    FREE_ARR(c->events, c->n_events, event_free);
    FREE_ARR(c->tags, c->n_tags, tag_free);
}

void eci_describe_image_caches_resp_free(eci_describe_image_caches_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    FREE_ARR(r->caches, r->n_caches, image_cache_free);
    memset(r, 0, sizeof *r);
}

void eci_delete_image_cache_req_free(eci_delete_image_cache_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->image_cache_id);
    free(r->client_token);
    memset(r, 0, sizeof *r);
}

void eci_metric_req_free(eci_metric_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->container_group_id);
    free(r->start_time);
    free(r->end_time);
    free(r->period);
    memset(r, 0, sizeof *r);
}

static void cmetric_free(eci_container_metric *m) { free(m->name); }
static void iface_free(eci_net_iface *i) { free(i->name); }

static void record_free(eci_metric_record *r)
{
    free(r->timestamp);
    FREE_ARR(r->containers, r->n_containers, cmetric_free);
    FREE_ARR(r->interfaces, r->n_interfaces, iface_free);
}

void eci_metric_resp_free(eci_metric_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    free(r->container_group_id);
    FREE_ARR(r->records, r->n_records, record_free);
    memset(r, 0, sizeof *r);
}

void eci_multi_metric_req_free(eci_multi_metric_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    eci_strv_free(&r->container_group_ids);
    free(r->resource_group_id);
    free(r->metric_type);
    memset(r, 0, sizeof *r);
}

static void monitor_free(eci_monitor_data *m)
{
    free(m->container_group_id);
    FREE_ARR(m->records, m->n_records, record_free);
}

void eci_multi_metric_resp_free(eci_multi_metric_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    FREE_ARR(r->items, r->n_items, monitor_free);
    memset(r, 0, sizeof *r);
}

void eci_price_req_free(eci_price_req *r)
{
    if (!r)
        return;
    free(r->region_id);
    free(r->instance_type);
    free(r->spot_strategy);
    free(r->zone_id);
    memset(r, 0, sizeof *r);
}

static void rule_free(eci_price_rule *r) { free(r->description); }

static void detail_free(eci_price_detail *d)
{
    free(d->resource);
    FREE_ARR(d->rules, d->n_rules, rule_free);
}

static void spot_free(eci_spot_price *s)
{
    free(s->instance_type);
    free(s->zone_id);
}

void eci_price_resp_free(eci_price_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    free(r->currency);
    FREE_ARR(r->details, r->n_details, detail_free);
    FREE_ARR(r->rules, r->n_rules, rule_free);
    FREE_ARR(r->spot_prices, r->n_spot_prices, spot_free);
    memset(r, 0, sizeof *r);
}

void eci_list_usage_resp_free(eci_list_usage_resp *r)
{
    if (!r)
        return;
    free(r->request_id);
    kv_free(&r->attributes);
    memset(r, 0, sizeof *r);
}
