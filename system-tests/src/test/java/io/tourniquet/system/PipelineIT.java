package io.tourniquet.system;

import java.util.Map;

/** The pipeline as ./tourniquet up runs it: the audit service on its embedded database. */
class PipelineIT extends PipelineScenario {

    @Override
    Map<String, String> auditDatabase() {
        return Map.of();
    }
}
