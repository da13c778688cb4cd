"""The IDX reader on files written here from the format's definition, on the real MNIST
files (checked against facts from the MNIST page), and on broken files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from app.nn.idx import IdxError, load_split, read_idx, to_input

from .idxfiles import idx_bytes, read_header, write_idx, write_split


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("shape", [(5,), (3, 4, 2), (2, 3, 4, 5)])
def test_read_idx_reads_a_good_file(tmp_path, gz, shape):
    values = np.arange(np.prod(shape)).reshape(shape) % 256
    got = read_idx(write_idx(tmp_path / "f.idx", values, gz=gz))
    assert got.shape == shape and got.dtype == np.uint8
    np.testing.assert_array_equal(got, values)


def test_read_idx_keeps_row_major_order_and_byte_values(tmp_path):
    images = np.array([[[0, 255], [1, 128]], [[7, 8], [9, 10]]], np.uint8)
    got = read_idx(write_idx(tmp_path / "i.gz", images, gz=True), expect_dims=3)
    assert got[0, 0, 1] == 255 and got[0, 1, 1] == 128 and got[1, 1, 0] == 9


def test_load_split_reads_images_and_labels_and_to_input_scales_to_unit_range(tmp_path):
    images = np.random.default_rng(60).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1], np.uint8)
    got_images, got_labels = load_split(write_split(tmp_path, "t10k", images, labels), "t10k")
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    x = to_input(got_images)
    assert x.shape == (4, 1, 28, 28) and x.dtype == np.float32
    np.testing.assert_allclose(x[:, 0], images / 255.0, rtol=1e-6)


def test_real_mnist_files_match_the_documented_facts(mnist_dir):
    # MNIST page: magic 2051 (0x00000803) for images, 2049 (0x00000801) for labels; 28x28 pixels.
    assert read_header(mnist_dir / "t10k-images-idx3-ubyte.gz") == (2051, (10000, 28, 28))
    assert read_header(mnist_dir / "t10k-labels-idx1-ubyte.gz") == (2049, (10000,))
    assert read_header(mnist_dir / "train-images-idx3-ubyte.gz") == (2051, (10000, 28, 28))  # the first 10,000 here
    assert read_header(mnist_dir / "train-labels-idx1-ubyte.gz") == (2049, (10000,))
    for split in ("train", "t10k"):
        images, labels = load_split(mnist_dir, split)
        assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
        assert set(np.unique(labels)) == set(range(10))
        assert images.min() == 0 and images.max() == 255
        assert (images[:, 0, :] == 0).mean() > 0.99  # white digit on black: the top row is background
    # The well-known first labels of each set.
    np.testing.assert_array_equal(load_split(mnist_dir, "t10k")[1][:10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    np.testing.assert_array_equal(load_split(mnist_dir, "train")[1][:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])


def test_committed_sample_is_the_start_of_the_official_test_set(sample_dir, mnist_dir):
    images, labels = load_split(sample_dir, "t10k")
    full_images, full_labels = load_split(mnist_dir, "t10k")
    assert len(images) == 1000
    np.testing.assert_array_equal(images, full_images[:1000])
    np.testing.assert_array_equal(labels, full_labels[:1000])


GOOD = idx_bytes(np.arange(24).reshape(2, 3, 4))


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
def test_truncated_data_raises_idx_error_naming_the_missing_bytes(tmp_path, gz):
    data = GOOD[:-5]
    path = tmp_path / "short.idx"
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(IdxError, match=r"24 bytes.*holds 19|truncated") as err:
        read_idx(path)
    assert "short.idx" in str(err.value)


def test_data_longer_than_the_header_promises_raises_idx_error(tmp_path):
    path = tmp_path / "long.idx"
    path.write_bytes(GOOD + b"\x00\x01")
    with pytest.raises(IdxError, match="promises 24 bytes"):
        read_idx(path)


def test_truncated_header_raises_idx_error(tmp_path):
    path = tmp_path / "head.idx"
    path.write_bytes(GOOD[:9])  # promises 3 sizes, holds one and a bit
    with pytest.raises(IdxError, match="header"):
        read_idx(path)
    path.write_bytes(GOOD[:3])
    with pytest.raises(IdxError, match="short|header"):
        read_idx(path)


def test_truncated_gzip_stream_raises_idx_error(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(GOOD)[:-12])
    with pytest.raises(IdxError, match="cut.gz"):
        read_idx(path)


def test_wrong_magic_raises_idx_error(tmp_path):
    path = tmp_path / "magic.idx"
    path.write_bytes(b"\x01\x02" + GOOD[2:])
    with pytest.raises(IdxError, match="magic"):
        read_idx(path)


def test_wrong_element_type_raises_idx_error(tmp_path):
    path = tmp_path / "float.idx"
    path.write_bytes(b"\x00\x00\x0d" + GOOD[3:])  # 0x0D = float in the IDX format
    with pytest.raises(IdxError, match="0x0d|type"):
        read_idx(path)


def test_wrong_number_of_dimensions_raises_idx_error(tmp_path):
    labels_file = write_idx(tmp_path / "labels.idx", np.arange(5))
    with pytest.raises(IdxError, match="1 dimensions, expected 3"):
        read_idx(labels_file, expect_dims=3)


def test_load_split_rejects_labels_given_as_images(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros(5, np.uint8), gz=True)  # 1 dim, not 3
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(5, np.uint8), gz=True)
    with pytest.raises(IdxError, match="dimensions"):
        load_split(tmp_path, "t10k")


def test_load_split_rejects_mismatched_counts_and_missing_files(tmp_path):
    write_split(tmp_path, "t10k", np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8))
    with pytest.raises(IdxError, match="3 t10k images but 2 labels"):
        load_split(tmp_path, "t10k")
    with pytest.raises(IdxError, match="no train-images"):
        load_split(tmp_path, "train")


def test_non_gzip_garbage_raises_idx_error(tmp_path):
    path = tmp_path / "garbage.gz"
    path.write_bytes(b"PK\x03\x04 this is a zip file, not IDX" + bytes(range(200)))
    with pytest.raises(IdxError, match="magic"):
        read_idx(path)


def test_gzip_header_with_unknown_method_raises_idx_error(tmp_path):
    path = tmp_path / "method.gz"
    path.write_bytes(b"\x1f\x8b garbage after a gzip signature")
    with pytest.raises(IdxError, match="cannot read"):
        read_idx(path)


def test_gzip_with_corrupt_deflate_body_raises_idx_error(tmp_path):
    packed = bytearray(gzip.compress(GOOD, mtime=0))
    for i in range(10, len(packed) - 8):  # keep the 10-byte gzip header, scramble the deflate stream
        packed[i] ^= 0xFF
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(IdxError, match="corrupt.gz"):
        read_idx(path)


def test_missing_file_raises_idx_error(tmp_path):
    with pytest.raises(IdxError, match="cannot read"):
        read_idx(tmp_path / "absent.idx")


@pytest.mark.parametrize("first_two", [b"\x00\x01", b"\x01\x00"], ids=["second byte", "first byte"])
def test_a_magic_number_with_either_of_its_first_two_bytes_not_zero_raises_idx_error(tmp_path, first_two):
    path = tmp_path / "magic.idx"
    path.write_bytes(first_two + GOOD[2:])
    with pytest.raises(IdxError, match="bad magic number"):
        read_idx(path)
