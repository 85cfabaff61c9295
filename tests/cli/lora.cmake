# pictor-cli generate with LoRAs (fixtures lora/: diffusers 0.21.4's load_lora_weights on sd-tiny):
# --lora FILE:SCALE, <lora:NAME:SCALE> tags found in --lora-dir, the recorded parameters, --from-png,
# bad files. Included from tests/cli/CMakeLists.txt (fx, cli set there).
set(lora_fx ${fx}/lora)
set(lora_out ${CMAKE_CURRENT_BINARY_DIR}/cli-lora)
set(lora_check "${PICTOR_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/lora_check.py")
# The fixture's pipeline run: two prompts, their negatives, explicit latents (run_latents_in).
set(lora_run "--model ${fx}/sd-tiny --prompt 'a photo of an astronaut riding a horse on mars' \
    --prompt 'a watercolor painting of a fox in the snow' --negative 'blurry, low quality' --negative 'ugly, deformed' \
    --steps 4 --guidance 7.5 --images 1 --width 64 --height 64")
set(lora_needs ${lora_fx}/sd-tiny-lora-kohya.safetensors ${fx}/sd-tiny/model_index.json)

pictor_cli_test("cli: generate --lora file:0.7 gives the fixture's images" EXIT 0 NEEDS ${lora_needs}
    COMMAND sh -c "rm -rf ${lora_out} && mkdir -p ${lora_out} \
        && ${lora_check} latents ${lora_fx}/expected.safetensors run_latents_in ${lora_out}/latents.safetensors \
        && ${cli} generate ${lora_run} --latents ${lora_out}/latents.safetensors \
           --lora ${lora_fx}/sd-tiny-lora-kohya.safetensors:0.7 --out ${lora_out} --json \
        && ${lora_check} pngdiff ${lora_out}/00000-latents.png ${lora_fx}/run_s0_70_image_0.png \
        && ${lora_check} pngdiff ${lora_out}/00001-latents.png ${lora_fx}/run_s0_70_image_1.png"
    REGEX "\"parameters\": \"a photo of an astronaut riding a horse on mars <lora:sd-tiny-lora-kohya:0.7>.nNegative prompt: blurry, low quality.n.*Lora hashes: ..sd-tiny-lora-kohya: 1bf76bd4186f...*max level difference [01]\nmax level difference [01]\n")
set_tests_properties("cli: generate --lora file:0.7 gives the fixture's images" PROPERTIES FIXTURES_SETUP cli_lora)

# The PNG's prompt holds the tag: --from-png finds NAME in --lora-dir and gives the same pixels
# (the rerun is the recorded prompt twice, its first image has the same inputs as the original).
pictor_cli_test("cli: generate --from-png reruns a LoRA image" EXIT 0 NEEDS ${lora_needs}
    COMMAND sh -c "rm -rf ${lora_out}-rerun && ${cli} generate --from-png ${lora_out}/00000-latents.png --lora-dir ${lora_fx} \
        --latents ${lora_out}/latents.safetensors --out ${lora_out}-rerun --json \
        && ${lora_check} pngdiff ${lora_out}/00000-latents.png ${lora_out}-rerun/00000-latents.png"
    REGEX "\"prompt\": \"a photo of an astronaut riding a horse on mars <lora:sd-tiny-lora-kohya:0.7>\".*Lora hashes: ..sd-tiny-lora-kohya: 1bf76bd4186f.*max level difference [01]\n")
set_tests_properties("cli: generate --from-png reruns a LoRA image" PROPERTIES FIXTURES_REQUIRED cli_lora)

# A tag without a scale is strength 1 (fixture run_s1_00); the prompt keeps the tag. (Only the tag is
# cut out: a comma before it would stay and change the tokens, as in A1111.)
pictor_cli_test("cli: generate with a <lora:NAME> tag found in --lora-dir" EXIT 0 NEEDS ${lora_needs}
    COMMAND sh -c "rm -rf ${lora_out}-tag && mkdir -p ${lora_out}-tag \
        && ${lora_check} latents ${lora_fx}/expected.safetensors run_latents_in ${lora_out}-tag/latents.safetensors \
        && ${cli} generate --model ${fx}/sd-tiny --prompt 'a photo of an astronaut riding a horse on mars <lora:sd-tiny-lora-kohya>' \
           --prompt 'a watercolor painting of a fox in the snow' --negative 'blurry, low quality' --negative 'ugly, deformed' \
           --steps 4 --guidance 7.5 --images 1 --width 64 --height 64 --latents ${lora_out}-tag/latents.safetensors \
           --lora-dir ${lora_fx} --out ${lora_out}-tag --json \
        && ${lora_check} pngdiff ${lora_out}-tag/00000-latents.png ${lora_fx}/run_s1_00_image_0.png \
        && ${lora_check} pngdiff ${lora_out}-tag/00001-latents.png ${lora_fx}/run_s1_00_image_1.png"
    REGEX "\"prompt\": \"a photo of an astronaut riding a horse on mars <lora:sd-tiny-lora-kohya>\".*max level difference [01]\nmax level difference [01]\n")
# The diffusers-format LoRA folder: the same images.
pictor_cli_test("cli: generate --lora with a diffusers LoRA folder" EXIT 0 NEEDS ${lora_needs} ${lora_fx}/diffusers
    COMMAND sh -c "rm -rf ${lora_out}-diffusers && mkdir -p ${lora_out}-diffusers \
        && ${lora_check} latents ${lora_fx}/expected.safetensors run_latents_in ${lora_out}-diffusers/latents.safetensors \
        && ${cli} generate ${lora_run} --latents ${lora_out}-diffusers/latents.safetensors --lora ${lora_fx}/diffusers \
           --out ${lora_out}-diffusers --json \
        && ${lora_check} pngdiff ${lora_out}-diffusers/00000-latents.png ${lora_fx}/run_s1_00_image_0.png"
    REGEX "<lora:diffusers:1.0>.*Lora hashes: ..diffusers: [0-9a-f]{12}...*max level difference [01]\n")

pictor_cli_test("cli: generate with an unknown LoRA name" EXIT 2 NEEDS ${lora_needs}
    COMMAND ${cli} generate --model ${fx}/sd-tiny --prompt "a fox <lora:no-such-lora:0.5>" --lora-dir ${lora_fx}
        --lora-dir ${lora_out}-none --steps 1 --width 32 --height 32 --out ${lora_out}-none
    REGEX "error: LoRA 'no-such-lora' was not found in the LoRA folders .searched: ${lora_fx}, ${lora_out}-none")
pictor_cli_test("cli: generate with a LoRA missing a tensor" EXIT 1 NEEDS ${lora_needs}
    COMMAND sh -c "mkdir -p ${lora_out}-bad && ${PICTOR_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/drop_tensor.py \
        ${lora_fx}/sd-tiny-lora-kohya.safetensors ${lora_out}-bad/half.safetensors lora_unet_mid_block_attentions_0_proj_in.lora_up.weight \
        && ${cli} generate --model ${fx}/sd-tiny --prompt x --lora ${lora_out}-bad/half.safetensors:0.5 --steps 1 --width 32 \
           --height 32 --out ${lora_out}-bad"
    REGEX "error: LoRA '${lora_out}-bad/half.safetensors': 'lora_unet_mid_block_attentions_0_proj_in.lora_down.weight' has no up partner")
pictor_cli_test("cli: generate with a truncated LoRA file" EXIT 1 NEEDS ${lora_needs}
    COMMAND sh -c "mkdir -p ${lora_out}-cut && head -c 5000 ${lora_fx}/sd-tiny-lora-kohya.safetensors > ${lora_out}-cut/cut.safetensors \
        && ${cli} generate --model ${fx}/sd-tiny --prompt x --lora ${lora_out}-cut/cut.safetensors --steps 1 --width 32 \
           --height 32 --out ${lora_out}-cut"
    REGEX "error: LoRA '${lora_out}-cut/cut.safetensors': .*cut.safetensors")
pictor_cli_test("cli: generate --lora with a file that does not exist" EXIT 2 NEEDS ${fx}/sd-tiny/model_index.json
    COMMAND ${cli} generate --model ${fx}/sd-tiny --prompt x --lora ${lora_out}-none/x.safetensors:0.5 --out ${lora_out}-none
    REGEX "LoRA.*x.safetensors")
