package io.tourniquet.agent.domain;

import io.tourniquet.schemas.SkipReason;

/** Why a command is not executed. */
public record Rejection(SkipReason reason, String detail) {
}
