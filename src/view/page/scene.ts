/**
 * The 3-D drawing of a MuJoCo model with three.js: one mesh per geom (plane, sphere, capsule,
 * ellipsoid, cylinder, box), posed every frame from MuJoCo's world frames (`geom_xpos`,
 * `geom_xmat`). MuJoCo's z-up coordinates are used as they are (the camera's up is +z); the
 * camera follows the first body along x, as Gym's tracking camera does.
 */
import type { MjData, MjModel } from "mujoco-js";
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";

/** mjtGeom values (MuJoCo's mjmodel.h). */
const GEOM = { plane: 0, sphere: 2, capsule: 3, ellipsoid: 4, cylinder: 5, box: 6 } as const;

export class BodyScene {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera: THREE.PerspectiveCamera;
  private readonly controls: OrbitControls;
  /** The mesh of each geom, or null for geom types not drawn. */
  private readonly meshes: (THREE.Object3D | null)[] = [];
  private readonly pose = new THREE.Matrix4();
  private followX = 0;

  constructor(container: HTMLElement, model: MjModel) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(window.devicePixelRatio);
    container.appendChild(this.renderer.domElement);
    this.scene.background = new THREE.Color(0xdfe8ef);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x666655, 2));
    const sun = new THREE.DirectionalLight(0xffffff, 1.5);
    sun.position.set(-3, -5, 8);
    this.scene.add(sun);
    this.camera = new THREE.PerspectiveCamera(45, 1, 0.05, 200);
    this.camera.up.set(0, 0, 1);
    this.camera.position.set(0, -4.5, 1.4);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.target.set(0, 0, 0.9);
    this.controls.update();
    this.buildGeoms(model);
    // A grid on the floor, so that motion along x is visible while the camera follows.
    const grid = new THREE.GridHelper(100, 200, 0x889988, 0xaabbaa);
    grid.rotation.x = Math.PI / 2;
    grid.position.z = 0.001;
    this.scene.add(grid);
    new ResizeObserver(() => this.resize(container)).observe(container);
    this.resize(container);
  }

  private buildGeoms(model: MjModel): void {
    const types = model.geom_type as Int32Array;
    const size = model.geom_size as Float64Array;
    const rgba = model.geom_rgba as Float32Array;
    const matid = model.geom_matid as Int32Array;
    const matRgba = model.mat_rgba as Float32Array;
    for (let g = 0; g < model.ngeom; g++) {
      const s = [size[3 * g] as number, size[3 * g + 1] as number, size[3 * g + 2] as number] as const;
      const geometry = geometryOf(types[g] as number, s);
      if (!geometry) {
        this.meshes.push(null);
        continue;
      }
      const m = (matid[g] as number) >= 0 ? { data: matRgba, at: 4 * (matid[g] as number) } : { data: rgba, at: 4 * g };
      const color = new THREE.Color(m.data[m.at] as number, m.data[m.at + 1] as number, m.data[m.at + 2] as number);
      const alpha = m.data[m.at + 3] as number;
      const material = new THREE.MeshStandardMaterial({ color, roughness: 0.7, transparent: alpha < 1, opacity: alpha });
      const mesh = new THREE.Mesh(geometry, material);
      mesh.matrixAutoUpdate = false;
      this.scene.add(mesh);
      this.meshes.push(mesh);
    }
  }

  /** Poses every geom from the current state and draws a frame. */
  draw(data: MjData): void {
    const xpos = data.geom_xpos as Float64Array;
    const xmat = data.geom_xmat as Float64Array;
    for (let g = 0; g < this.meshes.length; g++) {
      const mesh = this.meshes[g];
      if (!mesh) continue;
      const p = 3 * g,
        r = 9 * g;
      // geom_xmat is the row-major rotation; Matrix4.set takes rows too.
      this.pose.set(
        xmat[r] as number,
        xmat[r + 1] as number,
        xmat[r + 2] as number,
        xpos[p] as number,
        xmat[r + 3] as number,
        xmat[r + 4] as number,
        xmat[r + 5] as number,
        xpos[p + 1] as number,
        xmat[r + 6] as number,
        xmat[r + 7] as number,
        xmat[r + 8] as number,
        xpos[p + 2] as number,
        0,
        0,
        0,
        1,
      );
      mesh.matrix.copy(this.pose);
      mesh.matrixWorldNeedsUpdate = true;
    }
    // Follow body 1 (the torso; body 0 is the world) along x, keeping the user's orbit.
    const x = (data.xpos as Float64Array)[3] as number;
    const dx = x - this.followX;
    this.followX = x;
    this.camera.position.x += dx;
    this.controls.target.x += dx;
    this.controls.update();
    this.renderer.render(this.scene, this.camera);
  }

  private resize(container: HTMLElement): void {
    const w = Math.max(1, container.clientWidth),
      h = Math.max(1, container.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
  }
}

/** The three.js geometry of a MuJoCo geom of `type` and `size` (MuJoCo's half-sizes), in the geom's frame. */
function geometryOf(type: number, s: readonly [number, number, number]): THREE.BufferGeometry | null {
  switch (type) {
    case GEOM.plane:
      // A size of 0 means an infinite plane; draw it as a large one.
      return new THREE.PlaneGeometry(2 * (s[0] || 50), 2 * (s[1] || 50));
    case GEOM.sphere:
      return new THREE.SphereGeometry(s[0], 24, 16);
    case GEOM.capsule:
      // three's capsule and cylinder lie along y, MuJoCo's along z.
      return new THREE.CapsuleGeometry(s[0], 2 * s[1], 8, 16).rotateX(Math.PI / 2);
    case GEOM.ellipsoid:
      return new THREE.SphereGeometry(1, 24, 16).scale(s[0], s[1], s[2]);
    case GEOM.cylinder:
      return new THREE.CylinderGeometry(s[0], s[0], 2 * s[1], 24).rotateX(Math.PI / 2);
    case GEOM.box:
      return new THREE.BoxGeometry(2 * s[0], 2 * s[1], 2 * s[2]);
    default:
      return null;
  }
}
