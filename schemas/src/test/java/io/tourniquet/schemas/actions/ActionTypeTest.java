package io.tourniquet.schemas.actions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.MitigationDefinition;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class ActionTypeTest {

    @Test
    void everyBranchOfTheActionUnionHasExactlyOneType() {
        Schema union = MitigationDefinition.getClassSchema().getField("actions").schema().getElementType();
        var branches = union.getTypes().stream().map(Schema::getFullName).toList();
        var types = Arrays.stream(ActionType.values()).map(t -> t.recordType().getName()).toList();
        assertThat(types).containsExactlyInAnyOrderElementsOf(branches);
    }

    @Test
    void anActionIsTypedByItsRecordAndAnythingElseIsRefused() {
        assertThat(ActionType.of(new BlockRequests()))
                .isEqualTo(ActionType.BLOCK_REQUESTS);
        assertThatThrownBy(() -> ActionType.of("rm -rf /")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an action of the vocabulary");
    }
}
