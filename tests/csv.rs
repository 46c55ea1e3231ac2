//! CSV sources: typed columns, quoting, `make_csv_dataset`'s `(features, label)` batches and
//! errors that name the file, line and column.

use tf::data::{make_csv_dataset, read_csv};

fn write(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tf-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn typed_columns_inferred_or_given() {
    let p = write(
        "t.csv",
        "age,fare,survived,name\n22,7.25,0,\"Braund, Mr. Owen\"\n38,71.2833,1,\"Cumings, Mrs. \"\"John\"\"\"\n,8.05,1,x\n",
    );
    let err = read_csv(&p, &[]).unwrap_err().to_string();
    assert!(err.contains("t.csv:2 column 'name'") && err.contains("string dtype"), "{err}");
    let p = write("n.csv", "age,fare,survived\n22,7.25,0\n38,71.2833,1\n,8.05,1\n");
    let cols = read_csv(&p, &[("survived", tf::float64)]).unwrap();
    assert_eq!(cols["age"].dtype(), tf::int32);
    assert_eq!(cols["age"].to_vec::<i32>(), vec![22, 38, 0], "an empty field takes 0");
    assert_eq!(cols["fare"].dtype(), tf::float32);
    assert_eq!(cols["survived"].to_vec::<f64>(), vec![0.0, 1.0, 1.0]);
}

#[test]
fn make_csv_dataset_batches_features_and_labels() {
    let p = write("m.csv", "x,y,label\n1,0.5,0\n2,1.5,1\n3,2.5,0\n4,3.5,1\n5,4.5,0\n");
    let ds = make_csv_dataset(&p, 2, "label", false, Some(1)).unwrap();
    let batches: Vec<_> = ds.iter().map(Result::unwrap).collect();
    assert_eq!(batches.len(), 3);
    assert_eq!(batches[0].0["x"].to_vec::<i32>(), vec![1, 2]);
    assert_eq!(batches[0].1.to_vec::<i32>(), vec![0, 1]);
    assert_eq!(batches[2].0["y"].to_vec::<f32>(), vec![4.5]);
    let shuffled = make_csv_dataset(&p, 5, "label", true, Some(2)).unwrap();
    let epochs: Vec<Vec<i32>> = shuffled.iter().map(|b| b.unwrap().0["x"].to_vec::<i32>()).collect();
    assert_eq!(epochs.len(), 2);
    let mut all = epochs.concat();
    all.sort();
    assert_eq!(all, vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    assert!(make_csv_dataset(&p, 2, "target", false, Some(1))
        .err()
        .unwrap()
        .to_string()
        .contains("no column named 'target'"));
}

#[test]
fn bad_rows_name_file_line_and_column() {
    let p = write("bad.csv", "a,b\n1,2\n3\n");
    let e = read_csv(&p, &[]).unwrap_err().to_string();
    assert!(e.contains("bad.csv:3: expected 2 fields"), "{e}");
    let p = write("bad2.csv", "a,b\n1,2\n3,oops\n");
    let e = read_csv(&p, &[("b", tf::float32)]).unwrap_err().to_string();
    assert!(e.contains("bad2.csv:3 column 'b': cannot parse \"oops\" as a float32 value"), "{e}");
    let p = write("bad3.csv", "a\n\"open\n");
    assert!(read_csv(&p, &[]).unwrap_err().to_string().contains("unterminated quoted field"));
}
