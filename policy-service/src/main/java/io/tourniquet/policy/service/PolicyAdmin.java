package io.tourniquet.policy.service;

import io.tourniquet.policy.messaging.AdminAuditPublisher;
import java.util.Locale;
import io.tourniquet.policy.config.PolicyConfig;
import io.tourniquet.policy.domain.MaintenanceWindows;
import io.tourniquet.policy.messaging.AdminDecisionPublisher;
import io.tourniquet.policy.streams.ControlKeys;
import io.tourniquet.policy.streams.PolicyTopology;
import io.tourniquet.schemas.Approval;
import io.tourniquet.schemas.MitigationKillSwitch;
import io.tourniquet.schemas.PolicyRules;
import io.tourniquet.schemas.OverrideAction;
import io.tourniquet.schemas.RolloutAction;
import io.tourniquet.schemas.RolloutControl;
import io.tourniquet.schemas.ServerOverride;
import io.tourniquet.schemas.TenantPolicy;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.policy.CommandedState;
import io.tourniquet.schemas.policy.DecisionState;
import io.tourniquet.schemas.policy.RolloutProgress;
import io.tourniquet.schemas.policy.ServerResult;
import java.util.Arrays;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import io.tourniquet.schemas.kafka.KafkaClients;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.jboss.logging.Logger;

/**
 * What an MSP admin can decide, validated before it is written to tourniquet.tenant-policies (from where the
 * topology applies it), and what the topology's stores say about a tenant. Every write names who made it.
 */
@ApplicationScoped
public class PolicyAdmin {

    private static final Logger LOG = Logger.getLogger(PolicyAdmin.class);
    private static final Pattern MITIGATION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern ADMIN = Pattern.compile("[\\p{L}\\p{N} ._@()\\\\-]{1,256}");
    private static final Pattern ALLOWED_CHANGE = Pattern.compile("(service|app-pool|auth):[\\p{L}\\p{N} ._$()/-]{1,300}");

    /** A server and a mitigation as the policy sees them: what was commanded, what was decided last and why, what the agent said. */
    public record ServerMitigation(String serverId, String mitigationId, String commanded, String decision, String reason, String lastResult) {
    }

    /** A tenant's rollout of one mitigation revision. */
    public record RolloutStatus(String mitigationId, int revision, int stage, String status, String detail) {
    }

    @Inject
    AdminDecisionPublisher publisher;

    @Inject
    TopologyStores stores;

    @Inject
    AdminAuditPublisher audit;

    @Inject
    PolicyConfig config;

    @Inject
    KafkaClients kafka;

    /** Policies written by this instance, so that two edits in a row do not race the topology's store. */
    private final Map<String, TenantPolicy> written = new ConcurrentHashMap<>();

    public Optional<TenantPolicy> policy(String tenant) {
        Topics.requireValidTenant(tenant);
        TenantPolicy stored = stores.read(() -> (TenantPolicy) stores.get(PolicyTopology.POLICIES_STORE).get(tenant));
        TenantPolicy mine = written.get(tenant);
        if (mine != null && (stored == null || mine.getUpdatedAt().isAfter(stored.getUpdatedAt()))) {
            return Optional.of(mine);
        }
        return Optional.ofNullable(stored);
    }

    /** Validates and writes a whole policy; onboards the tenant (creates its topics) if it is new. */
    public synchronized TenantPolicy setPolicy(TenantPolicy policy) {
        Topics.requireValidTenant(policy.getTenantId());
        requireAdmin(policy.getUpdatedBy());
        validate(policy);
        ensureTenantTopics(policy.getTenantId());
        publisher.publish(ControlKeys.policy(policy.getTenantId()), policy);
        written.put(policy.getTenantId(), policy);
        audit.record(AuditType.POLICY_UPDATED, "updated", policy.getUpdatedBy(), policy.getTenantId(), null, null,
                "tenant policy set", Map.of("policy", PolicyDocument.of(policy).toString()));
        LOG.infof("policy of %s set by %s", policy.getTenantId(), policy.getUpdatedBy());
        return policy;
    }

    /** Creates the tenant's command and event topics where they are missing; their names. */
    List<String> ensureTenantTopics(String tenant) {
        try (TopicProvisioner provisioner = new TopicProvisioner(kafka, config.kafkaTimeout())) {
            provisioner.ensure(Topics.tenant(tenant));
        }
        return Topics.tenant(tenant).stream().map(TopicSpec::name).toList();
    }

    public synchronized TenantPolicy block(String tenant, String mitigationId, boolean block, String by) {
        requireMitigation(mitigationId);
        requireAdmin(by);
        PolicyDocument current = policy(tenant).map(PolicyDocument::of).orElse(PolicyDocument.DEFAULTS);
        Set<String> blocked = new TreeSet<>(current.blockedMitigations() == null ? List.of() : current.blockedMitigations());
        if (block) {
            blocked.add(mitigationId);
        } else {
            blocked.remove(mitigationId);
        }
        return setPolicy(current.withBlockedMitigations(new ArrayList<>(blocked)).toPolicy(tenant, by, now()));
    }

    public Approval approve(String tenant, String mitigationId, boolean approved, String by, String reason, Duration validFor, Integer revision) {
        Topics.requireValidTenant(tenant);
        requireMitigation(mitigationId);
        requireAdmin(by);
        requireReason(reason);
        Duration validity = validFor == null ? config.approvalValidity() : validFor;
        if (validity.isNegative() || validity.isZero() || validity.compareTo(Duration.ofDays(365)) > 0) {
            throw new IllegalArgumentException("validFor must be between 1 second and 365 days, was " + validity);
        }
        Instant now = now();
        Approval approval = new Approval(tenant, mitigationId, revision, approved, by, reason, now, now.plus(validity));
        publisher.publish(ControlKeys.approval(tenant, mitigationId), approval);
        audit.record(approved ? AuditType.APPROVAL_GRANTED : AuditType.APPROVAL_REJECTED, approved ? "approved" : "rejected", by, tenant, null, mitigationId,
                reason, Map.of("expiresAt", approval.getExpiresAt().toString(), "revision", String.valueOf(revision)));
        return approval;
    }

    public RolloutControl rollout(String tenant, String mitigationId, String action, String by) {
        Topics.requireValidTenant(tenant);
        requireMitigation(mitigationId);
        requireAdmin(by);
        RolloutAction rolloutAction = Arrays.stream(RolloutAction.values())
                .filter(a -> a.name().equalsIgnoreCase(action == null ? "" : action)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("rollout action must be one of start, pause, resume; was '" + action + "'"));
        RolloutControl control = new RolloutControl(tenant, mitigationId, rolloutAction, by, now());
        publisher.publish(ControlKeys.rollout(tenant, mitigationId), control);
        audit.record(AuditType.ROLLOUT_REQUESTED, rolloutAction.name().toLowerCase(Locale.ROOT), by, tenant, null, mitigationId,
                rolloutAction + " requested", Map.of());
        return control;
    }

    public MitigationKillSwitch killSwitch(String mitigationId, boolean engaged, boolean removeApplied, String by, String reason) {
        requireMitigation(mitigationId);
        requireAdmin(by);
        requireReason(reason);
        MitigationKillSwitch killSwitch = new MitigationKillSwitch(mitigationId, engaged, engaged && removeApplied, by, reason, now());
        publisher.publish(ControlKeys.killSwitch(mitigationId), killSwitch);
        audit.record(engaged ? AuditType.KILL_SWITCH_ENGAGED : AuditType.KILL_SWITCH_RELEASED, engaged ? "engaged" : "released", by, null, null, mitigationId,
                reason, Map.of("removeApplied", Boolean.toString(killSwitch.getRemoveApplied())));
        LOG.warnf("kill switch for %s %s by %s: %s", mitigationId, engaged ? "engaged" : "released", by, reason);
        return killSwitch;
    }

    public ServerOverride serverAction(String tenant, String server, String mitigationId, OverrideAction action, String by, String reason) {
        Topics.requireValidTenant(tenant);
        Topics.requireValidServer(server);
        requireMitigation(mitigationId);
        requireAdmin(by);
        requireReason(reason);
        ServerOverride override = new ServerOverride(tenant, server, mitigationId, action, by, reason, now());
        publisher.publish(ControlKeys.server(tenant, server, mitigationId), override);
        audit.record(action == OverrideAction.REMOVE ? AuditType.SERVER_REMOVE : AuditType.SERVER_REAPPLY, "requested", by, tenant, server, mitigationId, reason, Map.of());
        return override;
    }

    /** Every server and mitigation of the tenant the policy has decided on. */
    public List<ServerMitigation> status(String tenant) {
        Topics.requireValidTenant(tenant);
        return stores.read(() -> readStatus(tenant));
    }

    private List<ServerMitigation> readStatus(String tenant) {
        ReadOnlyKeyValueStore<String, SpecificRecord> decisions = stores.get(PolicyTopology.DECISIONS_STORE);
        ReadOnlyKeyValueStore<String, SpecificRecord> commanded = stores.get(PolicyTopology.COMMANDED_STORE);
        ReadOnlyKeyValueStore<String, SpecificRecord> outcomes = stores.get(PolicyTopology.OUTCOMES_STORE);
        List<ServerMitigation> list = new ArrayList<>();
        try (var range = decisions.prefixScan(tenant + "/", new StringSerializer())) {
            range.forEachRemaining(kv -> {
                String[] key = kv.key.split("/", 3);
                DecisionState decision = (DecisionState) kv.value;
                CommandedState command = (CommandedState) commanded.get(kv.key);
                ServerResult result = (ServerResult) outcomes.get(kv.key);
                list.add(new ServerMitigation(key[1], key[2], command == null ? null : command.getAction().name(), decision.getType(),
                        decision.getReason(), result == null ? null : result.getKind() + " r" + result.getRevision()));
            });
        }
        return list;
    }

    public List<RolloutStatus> rollouts(String tenant) {
        Topics.requireValidTenant(tenant);
        return stores.read(() -> readRollouts(tenant));
    }

    private List<RolloutStatus> readRollouts(String tenant) {
        ReadOnlyKeyValueStore<String, SpecificRecord> rollouts = stores.get(PolicyTopology.ROLLOUTS_STORE);
        List<RolloutStatus> list = new ArrayList<>();
        try (var range = rollouts.prefixScan(tenant + "/", new StringSerializer())) {
            range.forEachRemaining(kv -> {
                RolloutProgress v = (RolloutProgress) kv.value;
                list.add(new RolloutStatus(kv.key.substring(tenant.length() + 1), v.getRevision(), v.getStage(), v.getStatus().name(), v.getReason()));
            });
        }
        return list;
    }

    private static void validate(TenantPolicy policy) {
        policy.getBlockedMitigations().forEach(PolicyAdmin::requireMitigation);
        for (String change : policy.getAllowedWindowsChanges()) {
            if (!ALLOWED_CHANGE.matcher(change).matches()) {
                throw new IllegalArgumentException("allowedWindowsChanges entries are service:<name>, app-pool:<name> or "
                        + "auth:<site><path>/<method>; was '" + change + "'");
            }
        }
        policy.getMaintenanceWindows().forEach(MaintenanceWindows::validate);
        if (policy.getRollout() != null) {
            var rollout = policy.getRollout();
            requireName(rollout.getCanaryTag(), "canary tag");
            int previous = 0;
            for (int percent : rollout.getStagePercents()) {
                if (percent <= previous || percent > 100) {
                    throw new IllegalArgumentException("stagePercents must rise within 1..100, e.g. [10, 50, 100]; was " + rollout.getStagePercents());
                }
                previous = percent;
            }
            if (rollout.getFailureThreshold() < 0 || rollout.getFailureThreshold() >= 1) {
                throw new IllegalArgumentException("failureThreshold is a share of a stage's servers in [0, 1); was " + rollout.getFailureThreshold());
            }
        }
        if (policy.getMitigationLifetimeDays() != null && policy.getMitigationLifetimeDays() < 1) {
            throw new IllegalArgumentException("mitigationLifetimeDays must be at least 1; was " + policy.getMitigationLifetimeDays());
        }
        for (var scope : List.of(Map.entry("group", policy.getGroups()), Map.entry("tag", policy.getTags()), Map.entry("server", policy.getServers()))) {
            for (var entry : scope.getValue().entrySet()) {
                requireName(entry.getKey(), scope.getKey() + " name");
                PolicyRules rules = entry.getValue();
                if (rules.getBlockedMitigations() != null) {
                    rules.getBlockedMitigations().forEach(PolicyAdmin::requireMitigation);
                }
                if (rules.getMaintenanceWindows() != null) {
                    rules.getMaintenanceWindows().forEach(MaintenanceWindows::validate);
                }
            }
        }
    }

    private static void requireMitigation(String id) {
        if (id == null || !MITIGATION_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid mitigation id '" + id + "'");
        }
    }

    private static void requireName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid " + what + " '" + name + "'");
        }
    }

    static void requireAdmin(String by) {
        if (by == null || !ADMIN.matcher(by).matches()) {
            throw new IllegalArgumentException("who decides is required (the caller's token): 1-256 letters, digits, spaces or ._@()\\-; was '" + by + "'");
        }
    }

    static void requireReason(String reason) {
        if (reason == null || reason.isBlank() || reason.length() > 1000) {
            throw new IllegalArgumentException("a reason is required (at most 1000 characters): auditors read it");
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
