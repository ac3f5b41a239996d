package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

/** What travels from the tokenize step to inference is serialized by Flink's POJO serializer, not Kryo. */
class TokenizedDocumentTypeTest {

    @Test
    void tokenizedDocumentsAndTheirTaskInputsArePojos() {
        TypeInformation<TokenizedDocument> document = TypeInformation.of(TokenizedDocument.class);
        assertThat(document).isInstanceOf(PojoTypeInfo.class);

        TypeInformation<TaskInput> input = TypeInformation.of(TaskInput.class);
        assertThat(input).isInstanceOf(PojoTypeInfo.class);
        PojoTypeInfo<TaskInput> pojo = (PojoTypeInfo<TaskInput>) input;
        for (int i = 0; i < pojo.getArity(); i++) {
            assertThat(pojo.getTypeAt(i)).as(pojo.getPojoFieldAt(i).getField().getName())
                    .isNotInstanceOf(GenericTypeInfo.class);
        }
        assertThat(pojo.getTypeAt(pojo.getFieldIndex("sentenceTokenIds"))).isInstanceOf(ObjectArrayTypeInfo.class);
    }
}
